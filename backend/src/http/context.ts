import type { Request } from 'express';
import type { Principal } from '../contracts/principal';
import { unauthenticated } from '../errors';

/** The signed-in principal (contracts/principal.ts) is attached to the request by the auth middleware (http/middleware/auth.ts). */
export type { Principal };

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** The principal of an authenticated route; throws 401 when the auth middleware did not set one. */
export function principalOf(req: Request): Principal {
  if (!req.principal) throw unauthenticated();
  return req.principal;
}

/** A principal as the API shows it: who, never how they signed in (no session id, token id or IP). */
export const userView = ({ id, email, name, role }: Principal) => ({ id, email, name, role });
