import { describe, expect, it } from 'vitest';
import { relativeFilePath, renderMarkdown, renderTex } from './markdown';

describe('renderMarkdown', () => {
  it('renders Markdown', () => {
    const html = renderMarkdown('# Title\n\n**bold** and `code`');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<code>code</code>');
  });
  it('removes scripts, event handlers and javascript: links', () => {
    const html = renderMarkdown(
      '<script>window.pwned=1</script><img src="x" onerror="alert(1)">[x](javascript:alert(1))<a href="javascript:alert(2)">y</a>',
    );
    expect(html).not.toMatch(/<script|onerror|href="javascript:/i);
    expect(html).toContain('<img src="x">');
  });
  it('removes <style> elements (no page-wide CSS)', () => {
    expect(renderMarkdown('<style>body{display:none}</style>hi')).not.toContain('<style');
  });
  it('removes style attributes, so notebook HTML cannot overlay the app (a fixed-position fake login)', () => {
    const html = renderMarkdown(
      '<div style="position:fixed;inset:0;z-index:9999;background:#fff">Session expired. <a href="#">Sign in</a></div>\n\n' +
        '**bold** <span style="top:-999px">x</span>',
    );
    expect(html).not.toMatch(/style=|position|z-index/);
    expect(html).toContain('Session expired.');
    expect(html).toContain('<strong>bold</strong>');
  });
  it('keeps KaTeX inline styles but not those of author HTML dressed up as KaTeX', () => {
    const math = renderMarkdown('$\\frac{a}{b}$');
    expect(math).toMatch(/class="katex"/);
    expect(math).toMatch(/style="[^"]*height:/);
    const forged = renderMarkdown('<span class="katex"><span class="vlist" style="top:-50em">fake</span></span> $x$');
    expect(forged.match(/style="[^"]*top:-50em/)).toBeNull();
  });
  it('puts math in attribute values back as TeX text, never as markup', () => {
    const html = renderMarkdown('<a href="#" title="$x^2$">t</a> and <div title=$y$><p>z</p></div>');
    const doc = new DOMParser().parseFromString(html, 'text/html');
    expect(doc.querySelector('a')!.getAttribute('title')).toBe('$x^2$');
    expect(doc.querySelector('div')!.getAttribute('title')).toBe('$y$');
    expect(doc.querySelectorAll('.katex')).toHaveLength(0);
  });
  it('leaves a placeholder-looking text in code alone', () => {
    expect(renderMarkdown('$a$ and `@@0@@`')).toContain('<code>@@0@@</code>');
  });
  it('renders inline and display math with KaTeX, untouched by Markdown', () => {
    const html = renderMarkdown('Euler: $e^{i\\pi} + 1 = 0$ and\n\n$$\\sum_{i=1}^n x_i * y_i$$');
    expect(html.match(/class="katex"/g)?.length).toBe(2);
    expect(html).toContain('katex-display');
    expect(html).not.toContain('<em>');
  });
  it('leaves dollars in code and prices alone', () => {
    const html = renderMarkdown('costs $5 and $10 `echo $HOME` $x$\n\n```\n$not$ math\n```\n');
    expect(html.match(/class="katex"/g)).toHaveLength(1);
    expect(html).toContain('<code>echo $HOME</code>');
    expect(html).toContain('$not$ math');
  });
  it('resolves attachment images to data URLs', () => {
    const html = renderMarkdown('![plot](attachment:plot.png)', { 'plot.png': { 'image/png': 'iVBORw0K' } });
    expect(html).toContain('src="data:image/png;base64,iVBORw0K"');
  });
});

describe('sanitized last: nothing is added after DOMPurify', () => {
  const parse = (html: string) => new DOMParser().parseFromString(html, 'text/html');

  it('keeps styles only on the formulas of this render: a marker an author writes is worthless, and never shown', () => {
    const html = renderMarkdown(
      '<span data-folio-math="0123456789abcdef0123456789abcdef" style="position:fixed;inset:0">forged</span> ' +
        '<span data-folio-math="" style="top:-9em">empty</span> $x^2$',
    );
    const doc = parse(html);
    expect(doc.querySelectorAll('[style]').length).toBeGreaterThan(0); // KaTeX's own
    for (const el of Array.from(doc.querySelectorAll('[style]'))) expect(el.closest('.katex')).not.toBeNull();
    expect(html).not.toMatch(/position:\s*fixed|top:-9em|data-folio-math/);
    expect(doc.body.textContent).toContain('forged');
  });

  it('renders TeX text as text and refuses KaTeX trust commands (\\href, \\htmlStyle, \\includegraphics)', () => {
    const html = renderMarkdown(
      '$\\text{<img src=x onerror=alert(1)>}$ $\\href{javascript:alert(1)}{x}$ $\\htmlStyle{position:fixed}{y}$ ' +
        '$\\includegraphics{https://evil.example/a.png}$',
    );
    const doc = parse(html);
    expect(doc.querySelectorAll('img, a, [onerror], [style*="fixed"]')).toHaveLength(0);
    expect(doc.body.textContent).toContain('\\htmlStyle'); // shown as an error in place, as source text
  });

  it('renders LaTeX delimiters \\(…\\) inline and \\[…\\] display, not in code', () => {
    const doc = parse(renderMarkdown('Inline \\(a^2\\) and\n\n\\[\n\\sum_i x_i\n\\]\n\n`\\(not\\)`'));
    expect(doc.querySelectorAll('.katex')).toHaveLength(2);
    expect(doc.querySelectorAll('.katex-display')).toHaveLength(1);
    expect(doc.querySelector('code')!.textContent).toBe('\\(not\\)');
  });

  it('renders Jupyter math: bare \\begin{align} blocks and math inside HTML blocks', () => {
    const html = renderMarkdown(
      '\\begin{align}\na &= b \\\\\nc &= d\n\\end{align}\n\n<div>\n\n$e^x$\n\n</div>\n\n<div>$y$</div>',
    );
    expect(parse(html).querySelectorAll('.katex')).toHaveLength(3);
  });

  it('prefixes ids and names, so author HTML cannot clobber globals of the app (window.x, document.x)', () => {
    const doc = parse(renderMarkdown('<img id="__xss" name="cookie" src="a.png"> <a id="top">t</a>'));
    expect(doc.querySelector('img')!.id).toBe('user-content-__xss');
    expect(doc.querySelector('img')!.getAttribute('name')).toBe('user-content-cookie');
    expect(doc.querySelector('a')!.id).toBe('user-content-top');
  });

  it.each([
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<svg><p><style><img src=x onerror=alert(1)></style></p></svg>',
    '<form><math><mtext></form><form><mglyph><svg><mtext><style><path id="</style><img onerror=alert(1) src>">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<svg><foreignObject><iframe srcdoc="<script>alert(1)</script>"></iframe></foreignObject></svg>',
    '<a href="jav&#x09;ascript:alert(1)">x</a><a href="data:text/html,<script>alert(1)</script>">y</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)"><base href="javascript:alert(1)//">',
  ])('mXSS and filter-evasion vector %# leaves no handler, script, frame or executable URL', (vector) => {
    const doc = parse(renderMarkdown(vector));
    const all = Array.from(doc.body.querySelectorAll('*'));
    expect(doc.querySelectorAll('script, iframe, meta, base, style, form')).toHaveLength(0);
    for (const el of all)
      for (const a of Array.from(el.attributes)) {
        expect(a.name).not.toMatch(/^on/i);
        expect(a.value).not.toMatch(/^\s*(javascript|data:text\/html)/i);
      }
  });

  it('renderTex (text/latex outputs) goes through the same sanitizer', () => {
    const html = renderTex('\\frac{1}{2}', true);
    expect(parse(html).querySelector('.katex-display')).not.toBeNull();
    expect(html).not.toContain('data-folio-math');
  });
});

describe('relative image paths resolve against the notebook files', () => {
  const resolve = (p: string) => `/api/notebooks/nb1/files/${p.split('/').map(encodeURIComponent).join('/')}`;
  const srcs = (html: string) =>
    Array.from(new DOMParser().parseFromString(html, 'text/html').querySelectorAll('img')).map((i) =>
      i.getAttribute('src'),
    );

  it('resolves Markdown images and HTML <img> with relative paths, sub-folders and escapes', () => {
    const html = renderMarkdown(
      '![logo](logo.png) ![](./img/a%20b.png) <img src="img/chart.svg"> ![](data/../up.png?v=2#x)',
      undefined,
      resolve,
    );
    expect(srcs(html)).toEqual([
      '/api/notebooks/nb1/files/logo.png',
      '/api/notebooks/nb1/files/img/a%20b.png',
      '/api/notebooks/nb1/files/img/chart.svg',
      '/api/notebooks/nb1/files/up.png',
    ]);
  });

  it('leaves absolute, remote, data: and escaping URLs as they are', () => {
    const html = renderMarkdown(
      '![](https://example.com/a.png) ![](//cdn.example.com/b.png) ![](/static/c.png) ' +
        '![](data:image/png;base64,AAAA) ![](../e.png)',
      undefined,
      resolve,
    );
    expect(srcs(html)).toEqual([
      'https://example.com/a.png',
      '//cdn.example.com/b.png',
      '/static/c.png',
      'data:image/png;base64,AAAA',
      '../e.png',
    ]);
  });

  it('points relative links at the files too, but not anchors', () => {
    const doc = new DOMParser().parseFromString(
      renderMarkdown('[data](positions.csv) [top](#top) [web](https://example.com)', undefined, resolve),
      'text/html',
    );
    expect(Array.from(doc.querySelectorAll('a')).map((a) => a.getAttribute('href'))).toEqual([
      '/api/notebooks/nb1/files/positions.csv',
      '#user-content-top', // ids are prefixed (no DOM clobbering), anchors with them
      'https://example.com',
    ]);
  });

  it('changes nothing without a resolver, and sanitizes before resolving (no handler survives)', () => {
    expect(srcs(renderMarkdown('![](logo.png)'))).toEqual(['logo.png']);
    const html = renderMarkdown('<img src="logo.png" onerror="alert(1)">', undefined, resolve);
    expect(html).not.toMatch(/onerror/);
    expect(srcs(html)).toEqual(['/api/notebooks/nb1/files/logo.png']);
  });

  it.each([
    ['logo.png', 'logo.png'],
    ['a/./b/../c.png', 'a/c.png'],
    ['%E2%82%AC.png', '€.png'],
    ['%ZZ.png', null],
    ['', null],
    ['#frag', null],
    ['?q', null],
    ['mailto:x@y', null],
    ['C:\\x.png', null],
  ])('relativeFilePath(%j) is %j', (url, path) => {
    expect(relativeFilePath(url)).toBe(path);
  });
});
