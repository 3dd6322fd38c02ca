import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { isDomainError } from '../../errors';
import type { KernelSession } from '../../kernels/sessions/kernel-session';
import type { KernelSessionManager } from '../../kernels/sessions/kernel-session-manager';
import type { SessionClient, SessionEvent } from '../../kernels/sessions/session-events';
import type { Logger } from '../../logger';
import type { NotebookService } from '../../notebooks/notebook.service';
import type { AuthService } from '../../users/auth.service';
import type { Principal } from '../context';
import { parseClientMessage, type ClientMessage, type ServerMessage } from './kernel.protocol';

export interface KernelSocketDeps {
  auth: Pick<AuthService, 'principalFromCookieHeader'>;
  notebooks: Pick<NotebookService, 'get'>;
  sessions: KernelSessionManager;
  logger: Logger;
  /** Largest client frame. Default 16 MB (a run-all of a big notebook's sources). */
  maxPayloadBytes?: number;
}

export interface KernelSockets {
  /** Closes every kernel socket (1001 going away); sessions and kernels are ended by KernelSessionManager.shutdown. */
  close(): Promise<void>;
}

const PATH = /^\/api\/notebooks\/([^/]+)\/kernel\/?$/;

// Every session event is a valid protocol message (checked by the compiler).
const asServerMessage = (e: SessionEvent): ServerMessage => e;

/**
 * `WS /api/notebooks/:id/kernel` on the main http.Server (noServer mode). The upgrade is refused with a plain HTTP
 * status unless: the path matches (404), the session cookie is valid (401), the Origin is this server's (403, against
 * cross-site WebSocket hijacking), and the user may open the notebook (403/404, NotebookService rules).
 */
export function attachKernelSockets(server: http.Server, deps: KernelSocketDeps): KernelSockets {
  const log = deps.logger.child({ component: 'kernel-socket' });
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
      const principal = await deps.auth.principalFromCookieHeader(req.headers.cookie);
      if (!principal) return refuse(socket, 401, 'unauthenticated', 'Sign in to continue.');
      if (!sameOrigin(req)) return refuse(socket, 403, 'forbidden', 'Cross-origin kernel connections are not allowed.');
      try {
        await deps.notebooks.get(principal, notebookId);
      } catch (e) {
        if (isDomainError(e)) return refuse(socket, e.status, e.code, e.message);
        throw e;
      }
      wss.handleUpgrade(req, socket, head, (ws) => serve(ws, principal, notebookId));
    })().catch((e: unknown) => {
      log.error({ err: e }, 'kernel socket upgrade failed');
      refuse(socket, 500, 'internal', 'Something went wrong on our side.');
    });
  };
  server.on('upgrade', onUpgrade);

  function serve(ws: WebSocket, principal: Principal, notebookId: string) {
    const client: SessionClient = {
      send(event) {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(asServerMessage(event)));
      },
    };
    let session: KernelSession = deps.sessions.open(principal.id, notebookId, client);
    log.debug({ userId: principal.id, notebookId }, 'kernel socket opened');

    /** A culled or ended session is replaced by a fresh one (if the notebook is still there). */
    const current = async (): Promise<KernelSession | null> => {
      if (!session.isClosed) return session;
      try {
        await deps.notebooks.get(principal, notebookId);
      } catch (e) {
        ws.close(4404, isDomainError(e) ? e.message.slice(0, 120) : 'Notebook unavailable.');
        return null;
      }
      session = deps.sessions.open(principal.id, notebookId, client);
      return session;
    };

    ws.on('message', (data, isBinary) => {
      if (isBinary) return client.send({ type: 'error', message: 'Messages must be JSON text.' });
      const parsed = parseClientMessage(data.toString());
      if (!parsed.ok) return client.send({ type: 'error', requestId: parsed.requestId, message: parsed.error });
      void current()
        .then((s) => (s ? dispatch(s, client, parsed.message) : undefined))
        .catch((e: unknown) => {
          log.error({ err: e, type: parsed.message.type }, 'kernel message failed');
          client.send({ type: 'error', requestId: requestIdOf(parsed.message), message: 'The server could not handle that message.' });
        });
    });
    ws.on('close', () => deps.sessions.leave(session, client));
    ws.on('error', (e) => log.debug({ err: e }, 'kernel socket error'));
  }

  return {
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
    case 'complete':
      return session.complete(client, m);
    case 'inspect':
      return session.inspect(client, m);
  }
}

const requestIdOf = (m: ClientMessage) => ('requestId' in m ? m.requestId : undefined);

/** No Origin (non-browser clients) is fine; a browser's Origin must name this host (or the proxy's forwarded host). */
function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  const forwarded = req.headers['x-forwarded-host'];
  const allowed = [req.headers.host, ...(Array.isArray(forwarded) ? forwarded : forwarded ? [forwarded] : [])];
  return allowed.some((h) => h?.split(',')[0]?.trim() === host);
}

const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' };

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
