import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';
import { removeMath } from './math';

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
  it('removes <style> so a notebook cannot restyle the app', () => {
    expect(renderMarkdown('<style>body{display:none}</style>hi')).not.toContain('<style');
  });
  it('renders inline and display math with KaTeX, untouched by Markdown', () => {
    const html = renderMarkdown('Euler: $e^{i\\pi} + 1 = 0$ and\n\n$$\\sum_{i=1}^n x_i * y_i$$');
    expect(html.match(/class="katex"/g)?.length).toBe(2);
    expect(html).toContain('katex-display');
    expect(html).not.toContain('<em>');
  });
  it('leaves dollars in code and prices alone', () => {
    const { math } = removeMath('costs $5 and $10 `echo $HOME` $x$\n```\n$not$ math\n```\n');
    expect(math.map((m) => m.tex)).toEqual(['x']);
  });
  it('resolves attachment images to data URLs', () => {
    const html = renderMarkdown('![plot](attachment:plot.png)', { 'plot.png': { 'image/png': 'iVBORw0K' } });
    expect(html).toContain('src="data:image/png;base64,iVBORw0K"');
  });
});
