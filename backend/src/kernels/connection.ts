import { ServerConnection } from '@jupyterlab/services';
import WebSocket from 'ws';

/**
 * The one seam between Folio and a Jupyter Server: settings for @jupyterlab/services using Node's fetch
 * and the `ws` WebSocket (which sets TCP_NODELAY on its side). Works for the embedded server and for
 * JUPYTER_URL (an external Jupyter Server or Enterprise Gateway).
 *
 * The token travels in an `Authorization: token …` header on every request, WebSockets included: `appendToken` is
 * off, so kernel WebSocket URLs (`…/channels?session_id=…`), which servers and proxies write to access logs, carry
 * none. Browsers cannot set headers on a WebSocket; `ws` can, so the WebSocket class given to the services adds it.
 *
 * Kernel websocket protocol: services 7 negotiates `v1.kernel.websocket.jupyter.org` (binary frames);
 * jupyter_server 2 accepts it and `ws` delivers ArrayBuffers, so it works unchanged in Node and avoids
 * JSON-wrapping buffers.
 */
export function createJupyterSettings(opts: { url: string; token: string }): ServerConnection.ISettings {
  const baseUrl = opts.url.endsWith('/') ? opts.url : `${opts.url}/`;
  const wsUrl = `ws${baseUrl.slice('http'.length)}`;
  return ServerConnection.makeSettings({
    baseUrl,
    wsUrl,
    token: opts.token,
    appendToken: false,
    fetch: globalThis.fetch,
    Request: globalThis.Request,
    Headers: globalThis.Headers,
    WebSocket: webSocketWithToken(opts.token) as unknown as typeof globalThis.WebSocket,
    // Browsers need cache busting; Node's fetch has no HTTP cache, so keep requests clean.
    init: { cache: 'default', credentials: 'same-origin' } as RequestInit,
  });
}

/** `ws`'s WebSocket, sending `Authorization: token <token>` with its handshake (as the services do for fetch). */
function webSocketWithToken(token: string): new (address: string | URL, protocols?: string | string[]) => WebSocket {
  if (!token) return WebSocket;
  return class TokenWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[], options?: WebSocket.ClientOptions) {
      super(address, protocols, { ...options, headers: { ...options?.headers, Authorization: `token ${token}` } });
    }
  };
}
