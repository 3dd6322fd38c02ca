import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../lib/api-client';
import type { Cell, Notebook, Output } from '../../../lib/nbformat';
import { SaveQueue, type SaveRequest, type SaveState } from './save-queue';

const out = (text: string): Output[] => [{ output_type: 'stream', name: 'stdout', text }];
const code = (id: string, source: string, outputs: Output[] = []): Cell => ({
  id,
  cell_type: 'code',
  source,
  metadata: {},
  execution_count: null,
  outputs,
});
const nb = (...cells: Cell[]): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });

/** The editor as the queue sees it, and a fake server whose answers the test gives one by one. */
function setup(loaded: Notebook, version = 1) {
  const doc = { revision: 0, name: 'n', notebook: loaded };
  const edit = (f: (n: Notebook) => Notebook) => {
    doc.notebook = f(doc.notebook);
    doc.revision += 1;
  };
  const calls: { req: SaveRequest; answer: (version: number) => void; fail: (e: Error) => void }[] = [];
  const states: SaveState['kind'][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const queue = new SaveQueue({
    send: (req) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // A copy, as JSON on the wire.
      const sent = JSON.parse(JSON.stringify(req)) as SaveRequest;
      return new Promise((resolve, reject) =>
        calls.push({
          req: sent,
          answer: (v) => {
            inFlight -= 1;
            resolve({ version: v });
          },
          fail: (e) => {
            inFlight -= 1;
            reject(e);
          },
        }),
      );
    },
    snapshot: () => ({ revision: doc.revision, name: doc.name, content: () => doc.notebook }),
    onState: (s) => states.push(s.kind),
    version,
    revision: 0,
    loaded,
  });
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { doc, edit, calls, states, queue, settle, maxInFlight: () => maxInFlight };
}

const setSource = (id: string, source: string) => (n: Notebook) => ({
  ...n,
  cells: n.cells.map((c) => (c.id === id ? { ...c, source } : c)),
});
const setOutputs = (id: string, outputs: Output[]) => (n: Notebook) => ({
  ...n,
  cells: n.cells.map((c) => (c.id === id && c.cell_type === 'code' ? { ...c, outputs } : c)),
});
const sourceOf = (r: SaveRequest, id: string) => r.content.cells.find((c) => c.id === id)?.source;

describe('SaveQueue', () => {
  it('runs saves queued behind a slow one after it, from the version it returned (one save, the latest document)', async () => {
    const t = setup(nb(code('a', '')));
    t.edit(setSource('a', 'x = 1'));
    const first = t.queue.save();
    await t.settle();
    expect(t.calls).toHaveLength(1);
    t.edit(setSource('a', 'x = 2'));
    const second = t.queue.save();
    t.edit(setSource('a', 'x = 3'));
    const third = t.queue.save();
    await t.settle();
    expect(t.calls).toHaveLength(1); // nothing else goes out while the first save is out
    t.calls[0]!.answer(2);
    await t.settle();
    expect(t.calls).toHaveLength(2);
    expect(t.calls[1]!.req).toMatchObject({ version: 2 });
    expect(sourceOf(t.calls[1]!.req, 'a')).toBe('x = 3');
    t.calls[1]!.answer(3);
    await Promise.all([first, second, third]);
    expect(t.calls.map((c) => c.req.version)).toEqual([1, 2]);
    expect(t.maxInFlight()).toBe(1);
    expect(t.states.at(-1)).toBe('saved');
    expect(t.queue.savedRevision).toBe(t.doc.revision);
  });

  it('saves an edit made during a save after it when asked; otherwise reports it pending', async () => {
    const t = setup(nb(code('a', '')));
    t.edit(setSource('a', '1'));
    void t.queue.save();
    await t.settle();
    t.edit(setSource('a', '2')); // the autosave timer has not fired yet
    t.calls[0]!.answer(2);
    await t.settle();
    expect(t.calls).toHaveLength(1);
    expect(t.states.at(-1)).toBe('pending');
    const next = t.queue.save();
    await t.settle();
    expect(t.calls[1]!.req.version).toBe(2);
    t.calls[1]!.answer(3);
    await next;
    expect(t.states.at(-1)).toBe('saved');
    await t.queue.save(); // nothing new: no request
    expect(t.calls).toHaveLength(2);
  });

  it('does not send outputs unchanged since the last save; new, changed and empty ones go', async () => {
    const big = out('big');
    const t = setup(nb(code('a', 'x', big), code('b', 'y', out('old b')), code('c', 'z')));
    t.edit(setSource('a', 'x = 1'));
    t.edit(setOutputs('b', out('new b')));
    void t.queue.save();
    await t.settle();
    const req = t.calls[0]!.req;
    expect(req.keepOutputs).toEqual(['a']);
    expect(req.content.cells[0]).not.toHaveProperty('outputs');
    expect(req.content.cells[1]).toMatchObject({ outputs: out('new b') });
    expect(req.content.cells[2]).toMatchObject({ outputs: [] });
    t.calls[0]!.answer(2);
    await t.settle();
    // b's new outputs are on the server now: the next save keeps them too.
    t.edit(setSource('c', 'z = 1'));
    void t.queue.save();
    await t.settle();
    expect(t.calls[1]!.req.keepOutputs).toEqual(['a', 'b']);
    expect(JSON.stringify(t.calls[1]!.req)).not.toContain('new b');
  });

  it('sends every output again after a failed save, so it never relies on what the server may not have', async () => {
    const t = setup(nb(code('a', 'x', out('big'))));
    t.edit(setSource('a', 'x = 1'));
    void t.queue.save();
    await t.settle();
    expect(t.calls[0]!.req.keepOutputs).toEqual(['a']);
    t.calls[0]!.fail(new ApiError(0, 'network', 'Cannot reach the Folio server.'));
    await t.settle();
    expect(t.states.at(-1)).toBe('error');
    void t.queue.save();
    await t.settle();
    expect(t.calls[1]!.req).toMatchObject({ version: 1, keepOutputs: [] });
    expect(t.calls[1]!.req.content.cells[0]).toMatchObject({ outputs: out('big') });
  });

  it('retries at once with every output when the server cannot keep some (400)', async () => {
    const t = setup(nb(code('a', 'x', out('big'))));
    t.edit(setSource('a', 'x = 1'));
    const saved = t.queue.save();
    await t.settle();
    t.calls[0]!.fail(new ApiError(400, 'bad_request', 'Cell "a" is listed in keepOutputs but …'));
    await t.settle();
    expect(t.calls[1]!.req).toMatchObject({ version: 1, keepOutputs: [] });
    t.calls[1]!.answer(2);
    await saved;
    expect(t.states.at(-1)).toBe('saved');
  });

  it('stops at a conflict until the user overwrites, then saves over the version named, sending every output', async () => {
    const t = setup(nb(code('a', 'x', out('mine'))));
    t.edit(setSource('a', 'x = 1'));
    void t.queue.save();
    await t.settle();
    t.calls[0]!.fail(new ApiError(409, 'conflict', 'changed', { currentVersion: 5 }));
    await t.settle();
    expect(t.states.at(-1)).toBe('conflict');
    t.edit(setSource('a', 'x = 2'));
    await t.queue.save();
    expect(t.calls).toHaveLength(1);
    const over = t.queue.overwrite(5);
    await t.settle();
    expect(t.calls[1]!.req).toMatchObject({ version: 5, keepOutputs: [] });
    expect(t.calls[1]!.req.content.cells[0]).toMatchObject({ source: 'x = 2', outputs: out('mine') });
    t.calls[1]!.answer(6);
    await over;
    expect(t.states.at(-1)).toBe('saved');
  });
});
