import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../lib/api-client';
import type { Cell, Notebook, Output } from '../../../lib/nbformat';
import { savesSettled } from './pending-saves';
import { SaveQueue, type SavedNotebook, type SaveRequest, type SaveState } from './save-queue';

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

function setSource(id: string, source: string) {
  return (n: Notebook) => ({ ...n, cells: n.cells.map((c) => (c.id === id ? { ...c, source } : c)) });
}

/** The editor as the queue sees it, and a fake server whose answers the test gives one by one. */
function setup(loaded: Notebook, version = 1, server?: { latest: () => SavedNotebook }) {
  const doc = { revision: 0, outputsRevision: 0, name: 'n', notebook: loaded };
  const edit = (f: (n: Notebook) => Notebook) => {
    doc.notebook = f(doc.notebook);
    doc.revision += 1;
  };
  /** A change of outputs by this tab's own run (not an author edit). */
  const run = (f: (n: Notebook) => Notebook) => {
    doc.notebook = f(doc.notebook);
    doc.outputsRevision += 1;
  };
  const adopted: { version: number; since: number }[] = [];
  const filled: { id: string; source: string }[][] = [];
  const calls: { req: SaveRequest; keepalive: boolean; answer: (version: number) => void; fail: (e: Error) => void }[] =
    [];
  const states: SaveState['kind'][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const queue = new SaveQueue({
    send: (req, { keepalive }) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // A copy, as JSON on the wire.
      const sent = JSON.parse(JSON.stringify(req)) as SaveRequest;
      return new Promise((resolve, reject) =>
        calls.push({
          req: sent,
          keepalive,
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
    snapshot: () => ({
      revision: doc.revision,
      outputsRevision: doc.outputsRevision,
      name: doc.name,
      content: () => doc.notebook,
    }),
    onState: (s) => states.push(s.kind),
    ...(server && {
      fetchLatest: () => Promise.resolve(server.latest()),
      adopt: (saved: SavedNotebook, since: number) => {
        adopted.push({ version: saved.version, since });
        // As the editor does: the saved cells, with the outputs of own runs changed since `since` kept.
        const mine = new Map(doc.notebook.cells.map((c) => [c.id, c]));
        doc.notebook = {
          ...saved.content,
          cells: saved.content.cells.map((c) => (doc.outputsRevision > since ? (mine.get(c.id) ?? c) : c)),
        };
        doc.name = saved.name;
      },
      fill: (cells: { id: string; source: string }[]) => {
        filled.push(cells);
        for (const c of cells) edit(setSource(c.id, c.source));
      },
    }),
    key: 'nb-1',
    version,
    revision: 0,
    loaded,
  });
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { doc, edit, run, adopted, filled, calls, states, queue, settle, maxInFlight: () => maxInFlight };
}

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
    // Based on what this tab saw (version 1), saved over version 5 on purpose.
    expect(t.calls[1]!.req).toMatchObject({ version: 1, overwriteVersion: 5, keepOutputs: [] });
    expect(t.calls[1]!.req.content.cells[0]).toMatchObject({ source: 'x = 2', outputs: out('mine') });
    t.calls[1]!.answer(6);
    await over;
    expect(t.states.at(-1)).toBe('saved');
  });

  it('saves outputs of own runs without showing them as unsaved or saving', async () => {
    const t = setup(nb(code('a', 'x')));
    t.run(setOutputs('a', out('1')));
    expect(t.queue.dirty).toBe(true);
    expect(t.queue.atRisk).toBe(false); // outputs alone: no beforeunload warning
    const saved = t.queue.save();
    await t.settle();
    expect(t.calls[0]!.req.content.cells[0]).toMatchObject({ source: 'x', outputs: out('1') });
    expect(t.queue.atRisk).toBe(true); // a save is on its way
    t.calls[0]!.answer(2);
    await saved;
    expect(t.states).toEqual(['saved']);
    expect(t.queue.dirty).toBe(false);
  });

  it('a page going away sends sources first: known cells keep the stored outputs, new cells go without', async () => {
    const t = setup(nb(code('a', 'x', out('stored'))));
    t.edit(setSource('a', 'x = 1'));
    t.run(setOutputs('a', out('new a')));
    t.edit((n) => ({ ...n, cells: [...n.cells, code('b', 'y', out('new b'))] }));
    void t.queue.save({ keepalive: true });
    await t.settle();
    const { req, keepalive } = t.calls[0]!;
    expect(keepalive).toBe(true);
    expect(req.keepOutputs).toEqual(['a']);
    expect(req.content.cells[0]).not.toHaveProperty('outputs');
    expect(req.content.cells[1]).toMatchObject({ source: 'y', outputs: [] });
    t.calls[0]!.answer(2);
    await t.settle();
    // The page lived on: the outputs left out are still to be saved, and go with the next (ordinary) save.
    expect(t.queue.dirty).toBe(true);
    void t.queue.save();
    await t.settle();
    expect(t.calls[1]!.keepalive).toBe(false);
    expect(t.calls[1]!.req.content.cells.map((c) => ('outputs' in c ? c.outputs : 'kept'))).toEqual([
      out('new a'),
      out('new b'),
    ]);
  });

  it("a 409 on a save of outputs alone takes the other tab's save, then saves the own outputs on top", async () => {
    const theirs: SavedNotebook = { version: 3, name: 'renamed', content: nb(code('a', 'x = 99', out('theirs'))) };
    const t = setup(nb(code('a', 'x')), 1, { latest: () => theirs });
    t.run(setOutputs('a', out('mine')));
    const saved = t.queue.save();
    await t.settle();
    t.calls[0]!.fail(new ApiError(409, 'conflict', 'changed', { currentVersion: 3 }));
    await t.settle();
    expect(t.adopted).toEqual([{ version: 3, since: 0 }]);
    expect(t.calls[1]!.req).toMatchObject({ version: 3, name: 'renamed' });
    t.calls[1]!.answer(4);
    await saved;
    expect(t.states).not.toContain('conflict');
    expect(t.queue.currentVersion).toBe(4);
  });

  it('follows a newer save silently without edits; with unsaved edits it does not (their save will meet a 409)', async () => {
    let latest: SavedNotebook = { version: 2, name: 'n', content: nb(code('a', 'from tab 1')) };
    const t = setup(nb(code('a', '')), 1, { latest: () => latest });
    await t.queue.follow(1); // not newer: nothing fetched
    expect(t.adopted).toEqual([]);
    await t.queue.follow(2);
    expect(t.adopted).toEqual([{ version: 2, since: 0 }]);
    expect(t.doc.notebook.cells[0]!.source).toBe('from tab 1');
    expect(t.calls).toHaveLength(0); // nothing of its own to save
    expect(t.queue.dirty).toBe(false);

    latest = { version: 3, name: 'n', content: nb(code('a', 'again')) };
    t.edit(setSource('a', 'my edit'));
    await t.queue.follow(3);
    expect(t.adopted).toHaveLength(1);
    void t.queue.save();
    await t.settle();
    expect(t.calls[0]!.req.version).toBe(2);
    t.calls[0]!.fail(new ApiError(409, 'conflict', 'changed', { currentVersion: 3 }));
    await t.settle();
    expect(t.states.at(-1)).toBe('conflict');
    expect(t.doc.notebook.cells[0]!.source).toBe('my edit');
  });

  it("an overwrite the server refuses for emptying cells fills them with the server's code and goes again", async () => {
    const t = setup(nb(code('a', ''), code('b', 'y')), 1, {
      latest: () => ({ version: 2, name: 'n', content: nb(code('a', 'x = 1'), code('b', 'y')) }),
    });
    t.edit(setSource('b', 'y = 2'));
    void t.queue.save();
    await t.settle();
    t.calls[0]!.fail(new ApiError(409, 'conflict', 'changed', { currentVersion: 2 }));
    await t.settle();
    expect(t.states.at(-1)).toBe('conflict');
    const over = t.queue.overwrite(2);
    await t.settle();
    expect(t.calls[1]!.req).toMatchObject({ version: 1, overwriteVersion: 2 });
    t.calls[1]!.fail(
      new ApiError(409, 'conflict', 'would empty', {
        currentVersion: 2,
        reason: 'would_blank',
        blanked: [{ id: 'a', source: 'x = 1' }],
      }),
    );
    await t.settle();
    expect(t.filled).toEqual([[{ id: 'a', source: 'x = 1' }]]);
    expect(t.calls[2]!.req).toMatchObject({ version: 1, overwriteVersion: 2 });
    expect(t.calls[2]!.req.content.cells.map((c) => c.source)).toEqual(['x = 1', 'y = 2']);
    t.calls[2]!.answer(3);
    await over;
    expect(t.states.at(-1)).toBe('saved');
  });

  it('the next load of the notebook waits for its saves still on their way', async () => {
    const t = setup(nb(code('a', '')));
    t.edit(setSource('a', 'x'));
    void t.queue.save();
    let loaded = false;
    const load = savesSettled('nb-1').then(() => (loaded = true));
    await t.settle();
    expect(loaded).toBe(false);
    t.calls[0]!.answer(2);
    await load;
    expect(loaded).toBe(true);
  });
});
