import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TokenScope } from '../../contracts/principal';
import { KernelPool } from '../../kernels/pool';
import { KernelSessionManager } from '../../kernels/sessions/kernel-session-manager';
import { startTestJupyter, type TestJupyter } from '../../kernels/testing/jupyter-fixture';
import { NotebookService } from '../../notebooks/notebook.service';
import { testFetch } from '../../testing/http';
import { TokensService } from '../../users/tokens.service';
import { startTestApp, type TestApp } from '../test-app';
import { attachKernelSockets, SESSION_ENDED_CLOSE_CODE, type KernelSockets } from './kernel.socket';
import { connectKernelWs, runCells, statusIs } from './kernel.socket.fixture';

/** The live-kernel WebSocket with `Authorization: Bearer` API tokens, against a real Jupyter Server and kernel. */
let jupyter: TestJupyter;
let pool: KernelPool;
let sessions: KernelSessionManager;
let t: TestApp;
let sockets: KernelSockets;
const open: WebSocket[] = [];

beforeAll(async () => {
  [jupyter, t] = await Promise.all([startTestJupyter('folio-kernel-ws-tokens-'), startTestApp()]);
  pool = new KernelPool({ settings: jupyter.settings, size: 0, logger: jupyter.logger });
  await pool.start();
  sessions = new KernelSessionManager({ kernels: pool, logger: jupyter.logger, idleMs: 60_000 });
  const tokens = new TokensService({
    tokens: t.store.apiTokens,
    users: t.store.users,
    activeUser: (id) => t.auth.activeUser(id),
    audit: t.audit,
    logger: jupyter.logger,
  });
  const notebooks = new NotebookService({ notebooks: t.store.notebooks, limits: t.config.limits });
  sockets = attachKernelSockets(t.server, { auth: t.auth, tokens, notebooks, sessions, logger: jupyter.logger });
});
afterEach(async () => {
  for (const ws of open.splice(0)) ws.close();
  for (const s of sessions.list()) await sessions.endNotebook(s.notebookId);
});
afterAll(async () => {
  await sockets?.close();
  await sessions?.shutdown();
  await pool?.shutdown();
  expect(await jupyter.runningKernelIds()).toEqual([]);
  await Promise.all([jupyter?.stop(), t?.close()]);
});

const post = async (cookie: string, path: string, body: unknown) =>
  (await (
    await testFetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', origin: t.url },
      body: JSON.stringify(body),
    })
  ).json()) as { id: string; token: string };

async function setup(scopes: TokenScope[]) {
  const author = await t.signIn('author');
  const notebook = await post(author.cookie, '/api/notebooks', { name: 'live' });
  const token = await post(author.cookie, '/api/tokens', { name: 'bot', scopes });
  return { author, url: `${t.url.replace('http', 'ws')}/api/notebooks/${notebook.id}/kernel`, token };
}

async function refusal(url: string, headers: Record<string, string>) {
  const ws = new WebSocket(url, { headers });
  ws.on('error', () => undefined); // terminate() below reports the aborted handshake
  const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
  ws.terminate();
  return res.statusCode;
}

describe('kernel WebSocket with a bearer token', () => {
  it('opens with notebooks:write, from any origin, and runs code as the owner', async () => {
    const { url, token } = await setup(['notebooks:write']);
    const c = await connectKernelWs(url, '', {
      headers: { authorization: `Bearer ${token.token}`, origin: 'https://ci.example' },
    });
    open.push(c.ws);
    await c.next('status', statusIs('idle'));
    const [done] = await runCells(c, [['a', '6 * 7']]);
    expect(done!.status).toBe('ok');
  });

  it('refuses a token without notebooks:write (403), a bad token (401) even beside a valid cookie', async () => {
    const { url, author } = await setup(['notebooks:read']);
    const readOnly = await post(author.cookie, '/api/tokens', { name: 'ro', scopes: ['notebooks:read'] });
    expect(await refusal(url, { authorization: `Bearer ${readOnly.token}` })).toBe(403);
    expect(await refusal(url, { authorization: 'Bearer folio_forged', cookie: author.cookie })).toBe(401);
    expect(sessions.list()).toEqual([]);
  });

  it('closes the socket (4401) at the next message once the token is revoked', async () => {
    const { url, author, token } = await setup(['notebooks:write']);
    const c = await connectKernelWs(url, '', { headers: { authorization: `Bearer ${token.token}` } });
    open.push(c.ws);
    await c.next('status', statusIs('idle'));
    const revoked = await testFetch(`${t.url}/api/tokens/${token.id}`, {
      method: 'DELETE',
      headers: { cookie: author.cookie, origin: t.url },
    });
    expect(revoked.status).toBe(204);
    c.send({ type: 'execute', requestId: 'after', cells: [{ cellId: 'b', code: 'print("ran")' }] });
    expect((await c.closed).code).toBe(SESSION_ENDED_CLOSE_CODE);
    expect(c.events.some((e) => e.type === 'cell_started' && e.cellId === 'b')).toBe(false);
  });

  it('closes the socket (4401) at the next message once the owner is disabled', async () => {
    const { url, token, author } = await setup(['notebooks:write']);
    const c = await connectKernelWs(url, '', { headers: { authorization: `Bearer ${token.token}` } });
    open.push(c.ws);
    await c.next('status', statusIs('idle'));
    expect((await t.store.users.update(author.userId, { disabled: true }))?.ok).toBe(true);
    c.send({ type: 'execute', requestId: 'after', cells: [{ cellId: 'b', code: 'print("ran")' }] });
    expect((await c.closed).code).toBe(SESSION_ENDED_CLOSE_CODE);
    expect(c.events.some((e) => e.type === 'cell_started' && e.cellId === 'b')).toBe(false);
  });
});
