import { KernelAPI, KernelConnection } from '@jupyterlab/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestJupyter, type TestJupyter } from './testing/jupyter-fixture';

/** The Jupyter token goes in a header, never in a URL: checked against a real Jupyter Server and kernel. */
let jupyter: TestJupyter;
beforeAll(async () => {
  jupyter = await startTestJupyter('folio-connection-');
});
afterAll(() => jupyter?.stop());

describe('createJupyterSettings', () => {
  it('opens kernel WebSockets without the token in the URL, authenticated by the header, and they work', async () => {
    const opened: string[] = [];
    const Base = jupyter.settings.WebSocket;
    // Sees exactly what @jupyterlab/services opens (URL and protocols), then hands on to Folio's class.
    const Recording = class extends (Base as unknown as new (url: string, protocols?: string[]) => object) {
      constructor(url: string, protocols?: string[]) {
        opened.push(url);
        super(url, protocols);
      }
    } as unknown as typeof WebSocket;
    const settings = { ...jupyter.settings, WebSocket: Recording };
    const model = await KernelAPI.startNew({ name: 'python3' }, settings);
    const kernel = new KernelConnection({ model, serverSettings: settings, handleComms: false });
    try {
      const reply = await kernel.requestExecute({ code: 'x = 6 * 7' }).done;
      expect(reply.content.status).toBe('ok');
      expect(opened.length).toBeGreaterThan(0);
      for (const url of opened) {
        expect(url).toContain(`/api/kernels/${model.id}/channels?session_id=`);
        expect(url).not.toContain('token');
        expect(url).not.toContain(jupyter.server.token);
      }
    } finally {
      kernel.dispose();
      await KernelAPI.shutdownKernel(model.id, settings);
    }
  });

  it('the header is what lets it in: the same WebSocket without it is refused', async () => {
    const model = await KernelAPI.startNew({ name: 'python3' }, jupyter.settings);
    try {
      const { default: WebSocket } = await import('ws');
      const url = `${jupyter.settings.wsUrl}api/kernels/${model.id}/channels?session_id=probe`;
      const status = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.once('upgrade', () => {
          ws.terminate();
          resolve(101);
        });
        ws.once('unexpected-response', (_req, res) => {
          res.resume();
          ws.terminate();
          resolve(res.statusCode ?? 0);
        });
        ws.once('error', reject);
      });
      expect(status).toBe(403);
    } finally {
      await KernelAPI.shutdownKernel(model.id, jupyter.settings);
    }
  });
});
