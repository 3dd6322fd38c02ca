import { ServerConnection } from '@jupyterlab/services';
import WebSocket from 'ws';

/**
 * The one seam between Folio and a Jupyter Server: settings for @jupyterlab/services using Node's fetch
 * and the `ws` WebSocket (which sets TCP_NODELAY on its side). Works for the embedded server and for
 * JUPYTER_URL (an external Jupyter Server or Enterprise Gateway).
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
    appendToken: true,
    fetch: globalThis.fetch,
    Request: globalThis.Request,
    Headers: globalThis.Headers,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    // Browsers need cache busting; Node's fetch has no HTTP cache, so keep requests clean.
    init: { cache: 'default', credentials: 'same-origin' } as RequestInit,
  });
}
