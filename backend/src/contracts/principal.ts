/** Who is asking: the roles and the signed-in principal every service checks against (types only). */
export type Role = 'admin' | 'author' | 'viewer';

/** What an API token may do (issue 9); a token never exceeds its owner's rights either. */
export type TokenScope = 'apps:read' | 'apps:run' | 'apps:refresh' | 'notebooks:read' | 'notebooks:write' | 'admin';

/** How a request proved who it is: a browser session (cookie) or an API token (`Authorization: Bearer`). */
export type Credential =
  { kind: 'session'; sessionId: string } | { kind: 'token'; tokenId: string; scopes: readonly TokenScope[] };

export interface Principal {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** Set by the HTTP/WebSocket auth for requests; absent for internal callers (bootstrap, seeding, the scheduler). */
  credential?: Credential;
  /** The client's IP address of this request (Express `req.ip`), for the audit trail. */
  ip?: string;
}
