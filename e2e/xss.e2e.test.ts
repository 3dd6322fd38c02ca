import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startE2E, type E2E } from './harness';
import { payload, XSS_VECTORS } from './xss-corpus';

/**
 * The XSS corpus (xss-corpus.ts) over every surface where an author's text reaches the app in real Chromium: notebook
 * names (list and editor), Markdown cells, and outputs of every kind (text/html, SVG, Markdown, LaTeX, plotly,
 * JavaScript, streams, plain text, error tracebacks with ANSI). Four independent checks, so a hole in one defence is
 * seen even when another (the CSP) still stops the script:
 * 1. nothing ran in the app's origin: `window.__xss` stays empty and no dialog opened;
 * 2. the browser reported no CSP violation in the app's document (a blocked handler of an element in the page means
 *    the sanitizer let one through; no report at all also shows Monaco's workers and styles work under the app's CSP;
 *    the reports Chromium makes while DOMPurify parses author HTML in its inert document are the one exception);
 * 3. the rendered DOM of the app holds no active content from the author (no script, frame, form, plugin, meta,
 *    handler, javascript:/data:text/html URL, and `style` only on KaTeX's own formulas), and every frame is the opaque
 *    output sandbox;
 * 4. no style escapes its box: at every point of the screen, an element of an author's box is hit only inside that box.
 */

const AUTHOR_BOXES =
  '[data-testid=markdown-rendered], .output-rendered, .output-text, .output-image, iframe.output-frame';

const md = (source: string) => ({ cell_type: 'markdown', source, metadata: {} });
const code = (outputs: unknown[]) => ({
  cell_type: 'code',
  source: '# outputs',
  metadata: {},
  execution_count: 1,
  outputs,
});
const display = (data: Record<string, unknown>) => ({ output_type: 'display_data', data, metadata: {} });
const vectors = (suffix: string) =>
  XSS_VECTORS.map((v) => ({ id: `${v.id}@${suffix}`, text: v.make(payload(`${v.id}@${suffix}`)) }));
const ESC = '\u001b';

/** The corpus notebook: a Markdown cell per vector, and a code cell per output type carrying every vector. */
function corpusNotebook() {
  const cells = [
    ...vectors('markdown').map((v) => md(`**${v.id}**\n\n${v.text}\n`)),
    code(vectors('html').map((v) => display({ 'text/html': v.text }))),
    code(vectors('markdown-output').map((v) => display({ 'text/markdown': v.text }))),
    code(
      vectors('svg').map((v) =>
        display({
          'image/svg+xml': `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20" onload="${payload(v.id)}"><script>${payload(v.id)}</script><text y="15">${v.text.replace(/[<&]/g, '')}</text></svg>`,
        }),
      ),
    ),
    code(
      vectors('latex').map((v) =>
        display({
          'text/latex': `$$\\text{${v.text.replace(/[{}\\$]/g, '')}} \\href{javascript:${payload(v.id)}}{x}$$`,
        }),
      ),
    ),
    code([display({ 'application/javascript': payload('javascript@output') })]),
    code([
      display({
        'application/vnd.plotly.v1+json': {
          data: [{ x: [1, 2], y: [3, 4], type: 'scatter', name: XSS_VECTORS[2]!.make(payload('plotly-trace')) }],
          layout: { title: { text: XSS_VECTORS[2]!.make(payload('plotly-title')) } },
        },
      }),
    ]),
    code(
      vectors('stream').map((v) => ({ output_type: 'stream', name: 'stdout', text: `${ESC}[31m${v.text}${ESC}[0m\n` })),
    ),
    code(
      vectors('plain').map((v) => ({
        output_type: 'execute_result',
        execution_count: 1,
        data: { 'text/plain': v.text },
        metadata: {},
      })),
    ),
    code([
      {
        output_type: 'error',
        ename: '<img src=x onerror="' + payload('ename') + '">',
        evalue: vectors('evalue')[0]!.text,
        traceback: vectors('traceback').map(
          (v) => `${ESC}[0;31m${v.text}${ESC}[38;2;1;2;3m"><b style="position:fixed;inset:0">${ESC}[0m`,
        ),
      },
    ]),
  ];
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map((c, i) => ({ id: `cell-${i}`, ...c })),
  };
}

/** Imports a notebook through the API from inside the signed-in page; its id. */
const importIpynb = (page: Page, name: string, nb: unknown) =>
  page.evaluate(
    async ({ name, body }) => {
      const res = await fetch(`/api/notebooks/import?name=${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ipynb+json' },
        body,
      });
      if (res.status !== 201) throw new Error(`import answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    },
    { name, body: JSON.stringify(nb) },
  );

interface Probe {
  xss: string[];
  csp: Array<{ directive: string; blocked: string; source?: string; element?: string }>;
}

/** What the page recorded: vectors that ran, CSP violations. */
const probe = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { __xss: string[]; __csp: Probe['csp'] };
    return { xss: [...w.__xss], csp: [...w.__csp] };
  });

/** Active content of the author in the app's DOM (check 3); empty when clean. */
const activeContent = (page: Page) =>
  page.evaluate((selector) => {
    const bad: string[] = [];
    const URL_ATTRS = /^(href|src|action|formaction|data|xlink:href|srcdoc|poster|background)$/i;
    for (const box of Array.from(document.querySelectorAll(selector))) {
      for (const el of [box, ...Array.from(box.querySelectorAll('*'))]) {
        const tag = el.tagName.toLowerCase();
        if (
          [
            'script',
            'object',
            'embed',
            'form',
            'input',
            'button',
            'textarea',
            'select',
            'meta',
            'base',
            'style',
            'link',
            'frame',
          ].includes(tag)
        )
          bad.push(`<${tag}> in ${box.className}`);
        if (tag === 'iframe' && el !== box) bad.push(`nested <iframe> in ${box.className}`);
        for (const a of Array.from(el.attributes)) {
          if (/^on/i.test(a.name)) bad.push(`${tag}[${a.name}]`);
          if (URL_ATTRS.test(a.name) && /^\s*(javascript|vbscript|data:text\/html)/i.test(a.value))
            bad.push(`${tag}[${a.name}=${a.value.slice(0, 40)}]`);
          if (a.name === 'style') {
            const inKatex = !!el.closest('.katex, .katex-error'); // KaTeX's formulas and its in-place errors
            const ansiOnly =
              !!el.closest('.output-text') && !/position|url\(|expression|inset|top|left|z-index/i.test(a.value);
            if (!inKatex && !ansiOnly && el !== box) bad.push(`${tag}[style=${a.value.slice(0, 60)}] outside KaTeX`);
          }
        }
      }
    }
    for (const f of Array.from(document.querySelectorAll('iframe'))) {
      if (f.getAttribute('sandbox') !== 'allow-scripts') bad.push(`iframe sandbox=${f.getAttribute('sandbox')}`);
      if (new URL(f.src, location.href).pathname !== '/sandbox.html') bad.push(`iframe src=${f.src}`);
      if (f.contentDocument !== null) bad.push('an iframe whose document the app can read (same origin)');
    }
    return bad;
  }, AUTHOR_BOXES);

/** Points of the viewport where an author's element is hit outside its own box (check 4); empty when contained. */
const escapes = (page: Page) =>
  page.evaluate((selector) => {
    const out: string[] = [];
    for (let x = 1; x < innerWidth; x += 40)
      for (let y = 1; y < innerHeight; y += 40) {
        const el = document.elementFromPoint(x, y);
        const box = el?.closest(selector);
        if (!box) continue;
        const r = box.getBoundingClientRect();
        if (x < r.left - 1 || x > r.right + 1 || y < r.top - 1 || y > r.bottom + 1)
          out.push(
            `(${x},${y}) hits ${el!.tagName} "${(el!.textContent ?? '').slice(0, 30)}" outside its ${box.className}`,
          );
      }
    return out;
  }, AUTHOR_BOXES);

describe('XSS corpus in Chromium: nothing runs in the app, no style escapes its box', () => {
  let e2e: E2E;
  let page: Page;
  const dialogs: string[] = [];
  let notebookId: string;
  const names = [XSS_VECTORS[0]!, XSS_VECTORS[2]!, XSS_VECTORS[4]!].map((v) => v.make(payload(`${v.id}@name`)));

  beforeAll(async () => {
    e2e = await startE2E();
    const { context } = await e2e.newPage();
    // Every page of the context (and every frame) gets the probes before any script of the app runs.
    await context.addInitScript(() => {
      const w = window as unknown as { __xss: string[]; __csp: unknown[] };
      w.__xss = [];
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        // DOMPurify parses author HTML in an inert document (DOMParser), where Chromium checks inline handlers against
        // the page's CSP and reports them, though such a document never runs script: those reports target the page's
        // document, not an element of it. Every other report counts.
        const inert = e.effectiveDirective === 'script-src-attr' && !(e.target instanceof Element);
        if (!inert)
          w.__csp.push({
            directive: e.effectiveDirective,
            blocked: e.blockedURI,
            source: `${e.sourceFile}:${e.lineNumber}`,
            element: (e.target as Element | null)?.outerHTML?.slice(0, 200),
          });
      });
    });
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await signIn(page, e2e.server.url, e2e.server.admin);
    notebookId = await importIpynb(page, 'XSS corpus', corpusNotebook());
    for (const name of names) await importIpynb(page, name, { ...corpusNotebook(), cells: [] });
  }, 180_000);
  afterAll(() => e2e?.stop());

  it('notebook names are shown as text in the list, with nothing run', async () => {
    await page.goto('/notebooks');
    await page.getByTestId('notebook-row').first().waitFor();
    const shown = await page.getByTestId('notebook-list').innerText();
    for (const name of names) expect(shown).toContain(name);
    expect(await activeContent(page)).toEqual([]);
    expect(
      await page
        .locator('[data-testid=notebook-list] img, [data-testid=notebook-list] svg, [data-testid=notebook-list] script')
        .count(),
    ).toBe(0);
    {
      const p = await probe(page);
      expect(p, JSON.stringify(p).slice(0, 1500)).toEqual({ xss: [], csp: [] });
    }
    expect(dialogs).toEqual([]);
  });

  it('a notebook named with a vector opens with its name as text (the toolbar’s name field)', async () => {
    await page.getByTestId('notebook-row').filter({ hasText: names[1]! }).locator('a').first().click();
    await page.waitForURL(/\/notebooks\/[^/]+$/);
    await expect.poll(() => page.getByTestId('notebook-name').inputValue()).toBe(names[1]);
    expect(await activeContent(page)).toEqual([]);
    {
      const p = await probe(page);
      expect(p, JSON.stringify(p).slice(0, 1500)).toEqual({ xss: [], csp: [] });
    }
    expect(dialogs).toEqual([]);
  });

  it('Markdown cells and every output type render the corpus: nothing runs, no active content, nothing escapes', async () => {
    await page.goto(`/notebooks/${notebookId}`);
    const cells = page.locator('[data-testid=cell]');
    const count = corpusNotebook().cells.length;
    await expect.poll(() => cells.count()).toBe(count);
    await expect.poll(() => page.getByTestId('markdown-rendered').count()).toBe(XSS_VECTORS.length);
    // Bring every cell into view, checking containment as we go; then every output frame (they load lazily; what a
    // frame draws cannot leave it) and wait until each has rendered its document.
    const escaped: string[] = [];
    for (let i = 0; i < count; i++) {
      await cells.nth(i).scrollIntoViewIfNeeded();
      escaped.push(...(await escapes(page)));
    }
    const frames = page.locator('iframe.output-frame'); // the plotly figure's frame too
    const frameCount = await frames.count();
    expect(frameCount).toBe(XSS_VECTORS.length + 2); // text/html outputs, the script output, the plotly figure
    for (let i = 0; i < frameCount; i++) await frames.nth(i).scrollIntoViewIfNeeded();
    await expect.poll(() => page.locator('iframe.output-frame[data-rendered=true]').count()).toBe(frameCount);
    expect(await page.getByTestId('output-plotly').getAttribute('data-rendered')).toBe('true');
    // Formulas rendered (KaTeX, styled) while the forged and overlaid ones did not get their styles.
    expect(await page.locator('[data-testid=markdown-rendered] .katex').count()).toBeGreaterThan(3);
    expect(escaped, escaped.slice(0, 10).join('\n')).toEqual([]);
    const active = await activeContent(page);
    expect(active, active.slice(0, 10).join('\n')).toEqual([]);
    expect(page.url()).toMatch(new RegExp(`/notebooks/${notebookId}$`)); // no meta refresh, no base hijack
    {
      const p = await probe(page);
      expect(p, JSON.stringify(p).slice(0, 1500)).toEqual({ xss: [], csp: [] });
    }
    expect(dialogs).toEqual([]);
  });

  it("the editor itself runs under the app's CSP without a violation (Monaco's workers and styles)", async () => {
    await page.locator('[data-testid=cell-editor][data-live=true]').first().waitFor();
    expect(await page.locator('.monaco-editor').count()).toBeGreaterThan(0);
    {
      const p = await probe(page);
      expect(p, JSON.stringify(p).slice(0, 1500)).toEqual({ xss: [], csp: [] });
    }
  });
});
