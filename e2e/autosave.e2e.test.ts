import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from './harness';

/** A notebook with an empty cell to type in and a cell holding a big saved output. */
const BIG = 'y'.repeat(200_000);
const notebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  cells: [
    { id: 'edit', cell_type: 'code', source: '', metadata: {}, execution_count: null, outputs: [] },
    {
      id: 'big',
      cell_type: 'code',
      source: "print('y' * 200_000)",
      metadata: {},
      execution_count: 1,
      outputs: [{ output_type: 'stream', name: 'stdout', text: `${BIG}\n` }],
    },
  ],
};

interface StoredNotebook {
  version: number;
  content: { cells: { id: string; source: string | string[]; outputs?: { text?: string | string[] }[] }[] };
}
const text = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join('') : (s ?? ''));

/** GET the notebook from inside the page (its session). */
const stored = (page: Page, id: string) =>
  page.evaluate(async (id) => (await (await fetch(`/api/notebooks/${id}`)).json()) as StoredNotebook, id);

/**
 * Plays a slow server for the notebook's saves: every PUT goes through the test, and the first one's answer is held
 * until `releaseFirst()` (the server has already saved it; only the answer is late).
 */
async function slowFirstSave(page: Page, id: string) {
  const saves: { body: string; answered: Promise<number> }[] = [];
  let firstSeen!: () => void;
  const seen = new Promise<void>((r) => (firstSeen = r));
  let releaseFirst!: () => void;
  const released = new Promise<void>((r) => (releaseFirst = r));
  await page.route(`**/api/notebooks/${id}`, async (route: Route) => {
    if (route.request().method() !== 'PUT') return route.continue();
    const first = saves.length === 0;
    let answer!: (status: number) => void;
    saves.push({ body: route.request().postData() ?? '', answered: new Promise((r) => (answer = r)) });
    const response = await route.fetch();
    if (first) {
      firstSeen();
      await released;
    }
    await route.fulfill({ response });
    answer(response.status());
  });
  return { saves, seen, releaseFirst };
}

describe('journeys: autosave', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(() => e2e?.stop());

  it("saves queued behind a slow save go after it, from the version it returned: no 409 against the user's own save", async () => {
    const { page, context, pageErrors } = await e2e.signedInPage();
    const id = await page.evaluate(async (content) => {
      const res = await fetch('/api/notebooks', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'slow saves', content }),
      });
      return ((await res.json()) as { id: string }).id;
    }, notebook);
    const server = await slowFirstSave(page, id);
    await page.goto(`/notebooks/${id}`);
    await page.locator('[data-testid=cell][data-index="0"] [data-testid=cell-editor][data-live=true]').waitFor();

    await page.locator('[data-testid=cell][data-index="0"] .monaco-editor').click();
    await page.keyboard.type('a = 1');
    await page.keyboard.press('Control+s');
    await server.seen; // the first save is on the server, its answer held back
    await page.locator('[data-testid=save-state][data-state=saving]').waitFor();
    // Two more saves asked for while the first one is still out.
    await page.keyboard.type('\nb = 2');
    await page.keyboard.press('Control+s');
    await page.keyboard.type('\nc = 3');
    await page.keyboard.press('Control+s');
    server.releaseFirst();

    await page
      .locator('[data-testid=save-state][data-state=saved], [data-testid=save-state][data-state=conflict]')
      .waitFor();
    const statuses = await Promise.all(server.saves.map((s) => s.answered));
    expect(statuses).toEqual(statuses.map(() => 200));
    expect(await page.getByTestId('conflict-banner').count()).toBe(0);
    const now = await stored(page, id);
    expect(now.version).toBe(1 + server.saves.length);
    expect(text(now.content.cells[0]!.source)).toBe('a = 1\nb = 2\nc = 3');

    // Autosave did not send the big unchanged output again, and the server kept it.
    for (const s of server.saves) {
      expect(s.body.length).toBeLessThan(10_000);
      expect(JSON.parse(s.body)).toMatchObject({ keepOutputs: ['big'] });
    }
    expect(text(now.content.cells[1]!.outputs?.[0]?.text)).toBe(`${BIG}\n`);
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
