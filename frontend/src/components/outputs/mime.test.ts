import { describe, expect, it } from 'vitest';
import { imageSrc, joinText, pickMime } from './mime';

describe('pickMime', () => {
  it('prefers HTML over text for a pandas DataFrame', () => {
    expect(pickMime({ 'text/plain': '   a\n0  1', 'text/html': '<table></table>' })).toBe('text/html');
  });
  it('prefers a PNG over its text repr for a matplotlib figure', () => {
    expect(pickMime({ 'text/plain': '<Figure size 640x480>', 'image/png': 'iVBOR' })).toBe('image/png');
  });
  it('prefers plotly JSON over its HTML fallback', () => {
    expect(pickMime({ 'text/html': '<div>', 'application/vnd.plotly.v1+json': { data: [] } })).toBe(
      'application/vnd.plotly.v1+json',
    );
  });
  it('ranks like JupyterLab: html > markdown > latex > svg > png > json > javascript > plain', () => {
    const all = {
      'text/plain': 'x',
      'application/javascript': 'x',
      'application/json': {},
      'image/png': 'x',
      'image/svg+xml': 'x',
      'text/latex': 'x',
      'text/markdown': 'x',
      'text/html': 'x',
    };
    const order: string[] = [];
    const bundle: Record<string, unknown> = { ...all };
    for (;;) {
      const m = pickMime(bundle);
      if (!m) break;
      order.push(m);
      delete bundle[m];
    }
    expect(order).toEqual([
      'text/html',
      'text/markdown',
      'text/latex',
      'image/svg+xml',
      'image/png',
      'application/json',
      'application/javascript',
      'text/plain',
    ]);
  });
  it('returns null for a bundle with nothing renderable', () => {
    expect(pickMime({ 'application/x-unknown': 1 })).toBeNull();
  });
});

describe('images and text', () => {
  it('joins multiline strings', () => expect(joinText(['a\n', 'b'])).toBe('a\nb'));
  it('builds base64 data URLs without whitespace', () =>
    expect(imageSrc('image/png', 'iVBO\nRw0K\n')).toBe('data:image/png;base64,iVBORw0K'));
  it('puts SVG in an encoded data URL (never inline markup)', () => {
    const src = imageSrc('image/svg+xml', '<svg onload="alert(1)"></svg>');
    expect(src.startsWith('data:image/svg+xml;charset=utf-8,%3Csvg')).toBe(true);
    expect(src).not.toContain('<');
  });
});
