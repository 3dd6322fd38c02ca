import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { bearerTokenOf } from '../middleware/auth';
import { isSameOrigin } from '../middleware/same-origin';
import { WebSocketServer, type WebSocket } from 'ws';
import { isDomainError } from '../../errors';
import type { KernelSession } from '../../kernels/sessions/kernel-session';
import type { KernelSessionManager } from '../../kernels/sessions/kernel-session-manager';
import type { SessionClient, SessionEvent } from '../../kernels/sessions/session-events';
import type { Logger } from '../../logger';
import type { NotebookService } from '../../notebooks/notebook.service';
import { readCookie, SESSION_COOKIE, type AuthService, type Revalidated } from '../../users/auth.service';
import { PrincipalWatcher } from '../../users/principal-watch';
import type { TokensService } from '../../users/tokens.service';
import type { UserChanges } from '../../users/user-changes';
import type { Principal } from '../context';
import { parseClientMessage, type ClientMessage, type ServerMessage } from './kernel.protocol';
import { SocketOutbox } from './socket-outbox';

export interface KernelSocketDeps {
  auth: Pick<AuthService, 'principalFromToken' | 'revalidate'>;
  /** `Authorization: Bearer` API tokens (clients other than browsers); without it a bearer upgrade gets 401. */
  tokens?: Pick<TokensService, 'authenticate'>;
  /** Announcements of users' sign-in changes (disable, role, sessions ended): sockets re-check at once. Default none. */
  changes?: UserChanges;
  /** How often an open socket re-checks its principal even when idle and nothing was announced. Default 60 s. */
  revalidateMs?: number;
  /** Live kernels need edit access to the notebook (NotebookService.forLiveKernel): read-only sharers get 403. */
  notebooks: Pick<NotebookService, 'forLiveKernel'>;
  sessions: KernelSessionManager;
  logger: Logger;
  /** Largest client frame. Default 16 MB (a run-all of a big notebook's sources). */
  maxPayloadBytes?: number;
  /**
   * How often each socket is pinged; a socket that has not answered (pong or any message) by the next ping is
   * terminated, so a half-open one (a laptop gone to sleep, a dropped network) is noticed within two intervals and
   * its session detached (then culled like any session without tabs). Default 30 s.
   */
  pingIntervalMs?: number;
  /** Outputs wait (only the latest kept per cell) while a socket has this much unsent. Default 1 MB. */
  sendHighWaterBytes?: number;
}

export interface KernelSockets {
  /** Closes every kernel socket (1001 going away); sessions and kernels are ended by KernelSessionManager.shutdown. */
  close(): Promise<void>;
  /** Kernel sockets open now (metrics). */
  openCount(): number;
}

/** The endpoint, in Express route syntax (http/testing/routes.ts lists it beside the Express routes). */
export const KERNEL_SOCKET_ROUTE = '/api/notebooks/:id/kernel';

/** How an open socket signed in, and how to check that it still is (a token: the same secret again). */
interface SignIn {
  bearer: boolean;
  principal: Principal;
  /** Default: AuthService.revalidate (the session). */
  revalidate?: () => Promise<Revalidated | null>;
}

const PATH = /^\/api\/notebooks\/([^/]+)\/kernel\/?$/;
/** Close code of a socket whose sign-in ended (logout, expiry, account disabled, token revoked): sign in again. */
export const SESSION_ENDED_CLOSE_CODE = 4401;
/** Close code of a socket whose user may no longer use this notebook (e.g. their role changed). */
export const ACCESS_LOST_CLOSE_CODE = 4403;

// Every session event is a valid protocol message (checked by the compiler).
const asServerMessage = (e: SessionEvent): ServerMessage => e;

/**
 * `WS /api/notebooks/:id/kernel` on the main http.Server (noServer mode). The upgrade is refused with a plain HTTP
 * status unless: the path matches (404), the session cookie is valid (401), the Origin is this server's (403, against
 * cross-site WebSocket hijacking), and the user may edit the notebook (404 hidden, 403 read-only: running code is
 * editing; notebooks/notebook-access.ts), checked again before every message (a share removed or reduced to read).
 * The principal stays checked while the socket is open (users/principal-watch.ts): before every message, at once when
 * a change of the user is announced (from any web process), when the session would expire, and every `revalidateMs`.
 * Once the sign-in is gone (logout, expiry, account disabled, sessions ended by an admin, token revoked) the socket
 * closes with 4401; when the user's role changed, the notebook is opened again with the new role and the socket
 * closes with 4403 if that is refused.
 */
export function attachKernelSockets(server: http.Server, deps: KernelSocketDeps): KernelSockets {
  const log = deps.logger.child({ component: 'kernel-socket' });
  const watcher = new PrincipalWatcher({
    auth: deps.auth,
    changes: deps.changes,
    recheckMs: deps.revalidateMs,
    onError: (e) => log.warn({ err: e }, 'could not re-check a kernel socket principal'),
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.maxPayloadBytes ?? 16 * 1024 * 1024 });

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = PATH.exec(url.pathname);
    if (!match) {
      // Not ours: leave it to another upgrade listener if there is one.
      if (server.listenerCount('upgrade') <= 1) refuse(socket, 404, 'not_found', 'No WebSocket endpoint here.');
      return;
    }
    void (async () => {
      const notebookId = decodeURIComponent(match[1]!);
      const signIn = await signInOf(req);
      if (!signIn) return refuse(socket, 401, 'unauthenticated', 'Sign in to continue.');
      // Cross-site WebSocket hijacking rides on the cookie; a bearer upgrade carries its own credential (browsers
      // cannot set the header on a WebSocket, other clients send no Origin anyway).
      if (!signIn.bearer && !isSameOrigin(req.headers))
        return refuse(socket, 403, 'forbidden', 'Cross-origin kernel connections are not allowed.');
      const { principal } = signIn;
      try {
        await deps.notebooks.forLiveKernel(principal, notebookId); // edit access and notebooks:write: it runs code
      } catch (e) {
        if (isDomainError(e)) return refuse(socket, e.status, e.code, e.message);
        throw e;
      }
      wss.handleUpgrade(req, socket, head, (ws) =>
        serve(ws, { ...signIn, principal: { ...principal, ip: req.socket.remoteAddress } }, notebookId),
      );
    })().catch((e: unknown) => {
      log.error({ err: e }, 'kernel socket upgrade failed');
      refuse(socket, 500, 'internal', 'Something went wrong on our side.');
    });
  };
  server.on('upgrade', onUpgrade);

  /**
   * The upgrade's credential: `Authorization: Bearer` (an API token; cookies are then ignored) or the session cookie.
   * `recheck` resolves the same credential again for the open socket.
   */
  async function signInOf(req: http.IncomingMessage): Promise<SignIn | null> {
    const bearer = bearerTokenOf(req.headers);
    if (bearer !== undefined) {
      const revalidate = async () => (bearer && (await deps.tokens?.authenticate(bearer))) || null;
      const t = await revalidate();
      return t && { bearer: true, principal: t.principal, revalidate };
    }
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    const principal = token ? await deps.auth.principalFromToken(token) : null;
    if (!token || !principal) return null;
    return { bearer: false, principal };
  }

  function serve(ws: WebSocket, signIn: SignIn, notebookId: string) {
    let principal = signIn.principal;
    const outbox = new SocketOutbox(ws, deps.sendHighWaterBytes ?? 1024 * 1024);
    const client: SessionClient = { send: (event) => outbox.send(asServerMessage(event)) };
    let session: KernelSession = deps.sessions.open(principal.id, notebookId, client);
    log.debug({ userId: principal.id, notebookId }, 'kernel socket opened');

    /** The request a lost principal's answer goes to, while a message is being checked. */
    let checking: string | undefined;
    const watch = watcher.watch(principal, {
      revalidate: signIn.revalidate,
      reauthorize: async (p) => {
        await deps.notebooks.forLiveKernel(p, notebookId, { recheck: true });
      },
      onChange: (p) => (principal = p),
      onLost: (e) => {
        if (ws.readyState !== ws.OPEN) return;
        const ended = e.code === 'unauthenticated';
        const message = ended ? e.message : `You can no longer use this notebook: ${e.message}`;
        if (checking !== undefined) client.send({ type: 'error', requestId: checking, message });
        ws.close(ended ? SESSION_ENDED_CLOSE_CODE : ACCESS_LOST_CLOSE_CODE, message.slice(0, 120));
      },
    });
    /** Whether the principal may still act (a message it sent counts as activity); if not, the socket is closed. */
    const stillSignedIn = async (requestId?: string): Promise<boolean> => {
      if (ws.readyState !== ws.OPEN) return false;
      checking = requestId;
      try {
        return await watch.check({ touch: true });
      } finally {
        checking = undefined;
      }
    };

    /**
     * Whether the user may still use this notebook's kernel (its access list may have changed since: a share removed
     * or reduced to read, the notebook deleted); if not, says why and closes the socket with 4403.
     */
    const stillAllowed = async (requestId?: string): Promise<boolean> => {
      try {
        await deps.notebooks.forLiveKernel(principal, notebookId);
        return true;
      } catch (e) {
        if (!isDomainError(e)) throw e;
        client.send({ type: 'error', requestId, message: e.message });
        ws.close(ACCESS_LOST_CLOSE_CODE, e.message.slice(0, 120));
        return false;
      }
    };

    // Heartbeat: browsers answer pings by themselves; silence for a whole interval means nobody is there.
    let answered = true;
    const heartbeat = setInterval(() => {
      if (!answered) {
        log.info(
          { userId: principal.id, notebookId, backlog: outbox.backlog },
          'kernel socket did not answer a ping; terminating it',
        );
        ws.terminate();
        return;
      }
      answered = false;
      ws.ping();
    }, deps.pingIntervalMs ?? 30_000);
    heartbeat.unref();
    ws.on('pong', () => (answered = true));

    /** A culled or ended session is replaced by a fresh one (if the notebook is still there). */
    const current = async (): Promise<KernelSession | null> => {
      if (!session.isClosed) return session;
      try {
        await deps.notebooks.forLiveKernel(principal, notebookId);
      } catch (e) {
        ws.close(4404, isDomainError(e) ? e.message.slice(0, 120) : 'Notebook unavailable.');
        return null;
      }
      session = deps.sessions.open(principal.id, notebookId, client);
      return session;
    };

    // Messages are checked in arrival order (one at a time); the kernel actions themselves run concurrently, so an
    // interrupt is not held behind a restart.
    let checked: Promise<void> = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      answered = true;
      if (isBinary) return client.send({ type: 'error', message: 'Messages must be JSON text.' });
      const parsed = parseClientMessage(data.toString());
      if (!parsed.ok) return client.send({ type: 'error', requestId: parsed.requestId, message: parsed.error });
      const m = parsed.message;
      const failed = (e: unknown) => {
        log.error({ err: e, type: m.type }, 'kernel message failed');
        client.send({ type: 'error', requestId: requestIdOf(m), message: 'The server could not handle that message.' });
      };
      checked = checked
        .then(async () => {
          if (!(await stillSignedIn(requestIdOf(m)))) return;
          if (!(await stillAllowed(requestIdOf(m)))) return;
          const s = await current();
          if (s) void dispatch(s, client, m).catch(failed);
        })
        .catch(failed);
    });
    ws.on('close', () => {
      watch.stop();
      clearInterval(heartbeat);
      deps.sessions.leave(session, client);
    });
    ws.on('error', (e) => log.debug({ err: e }, 'kernel socket error'));
  }

  return {
    openCount: () => wss.clients.size,
    async close() {
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.close(1001, 'Server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Kernel actions reach every tab of the session; complete/inspect replies only the tab that asked. */
async function dispatch(session: KernelSession, client: SessionClient, m: ClientMessage): Promise<void> {
  switch (m.type) {
    case 'execute':
      return session.execute({ requestId: m.requestId, cells: m.cells });
    case 'interrupt':
      return session.interrupt();
    case 'restart':
      return session.restart();
    case 'shutdown':
      return session.shutdownKernel();
    case 'input_reply':
      return session.answerInput(m.value);
    case 'complete':
      return session.complete(client, m);
    case 'inspect':
      return session.inspect(client, m);
  }
}

const requestIdOf = (m: ClientMessage) => ('requestId' in m ? m.requestId : undefined);

const REASONS: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
};

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
