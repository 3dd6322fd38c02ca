import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';
// The library's own in-memory adapter; passed explicitly so it does not warn that a quick-start default is in use.
// @ts-expect-error -- a JavaScript module of oidc-provider without type declarations
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';

/**
 * A real OpenID Connect provider for tests: panva's `oidc-provider` (the certified implementation) on 127.0.0.1 and a
 * free port, with one confidential client (authorization code + PKCE) and accounts whose claims the test sets and
 * changes. Sign-in goes through the provider's own development interactions: an HTML login form (any password; the
 * login name is the account id) and a consent form — the test submits them as a browser would.
 *
 *   const idp = await startTestIdp({ redirectUris: [`${folio}/api/auth/oidc/callback`] });
 *   idp.setAccount('ada', { email: 'ada@bank.example', email_verified: true, groups: ['quants'] });
 */
export interface TestIdp {
  /** The issuer identifier, http://127.0.0.1:PORT (no trailing slash). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Creates or replaces the claims of account `id` (its `sub`); takes effect on its next sign-in. */
  setAccount(id: string, claims: Record<string, unknown>): void;
  /**
   * Changes the next token response's id_token on its way to the client, as a man in the middle would (the signature
   * stays the provider's own, so a changed payload no longer matches it).
   */
  tamperNextIdToken(change: (idToken: string) => string): void;
  close(): Promise<void>;
}

export interface TestIdpOptions {
  redirectUris: string[];
  clientId?: string;
  /** Extra provider configuration (merged over the fixture's). */
  configuration?: Partial<Configuration>;
}

export async function startTestIdp(opts: TestIdpOptions): Promise<TestIdp> {
  const accounts = new Map<string, Record<string, unknown>>();
  let tamper: ((idToken: string) => string) | null = null;
  const clientId = opts.clientId ?? 'folio-test';
  const clientSecret = randomBytes(24).toString('base64url');

  // Listen first: the issuer identifier carries the port.
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };
  const provider = new Provider(issuer, {
    adapter: createMemoryAdapter(0),
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: opts.redirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // Confidential clients too must send a PKCE challenge (S256): what a bank's IdP should insist on.
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    features: { devInteractions: { enabled: true } },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    findAccount: (_ctx, id) => {
      const claims = accounts.get(id);
      if (!claims) return undefined;
      return { accountId: id, claims: () => ({ ...claims, sub: id }) };
    },
    ...opts.configuration,
  });
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (ctx.path === '/token' && tamper && body && typeof body.id_token === 'string') {
      const change = tamper;
      tamper = null;
      ctx.body = { ...body, id_token: change(body.id_token) };
    }
  });
  handler = provider.callback();

  return {
    issuer,
    clientId,
    clientSecret,
    setAccount: (id, claims) => void accounts.set(id, claims),
    tamperNextIdToken: (change) => void (tamper = change),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The id_token with its payload replaced by `change(payload)`, signature untouched. */
export function withPayload(
  idToken: string,
  change: (payload: Record<string, unknown>) => Record<string, unknown>,
): string {
  const [header, payload, signature] = idToken.split('.');
  const decoded = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
  return [header, Buffer.from(JSON.stringify(change(decoded))).toString('base64url'), signature].join('.');
}
