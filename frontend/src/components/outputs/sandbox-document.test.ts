import { describe, expect, it } from 'vitest';
import {
  HEIGHT_MESSAGE,
  isHeightMessage,
  isReadyMessage,
  sandboxDocument,
  sandboxPlotlyDocument,
  sandboxScriptDocument,
  scriptJson,
} from './sandbox-document';

describe('sandbox document', () => {
  it('wraps author HTML with the sizing script', () => {
    const doc = sandboxDocument('<table><tr><td>1</td></tr></table>');
    expect(doc).toContain('<div id="folio-root"><table>');
    expect(doc).toContain(HEIGHT_MESSAGE);
  });
  it('keeps a script output from closing its own element early', () => {
    const doc = sandboxScriptDocument('var s = "</script><img src=x>";');
    expect(doc).toContain('"<\\/script><img src=x>"');
  });
  it('accepts only well-formed height messages', () => {
    expect(isHeightMessage({ type: HEIGHT_MESSAGE, height: 120 })).toBe(true);
    expect(isHeightMessage({ type: HEIGHT_MESSAGE, height: '120' })).toBe(false);
    expect(isHeightMessage({ type: HEIGHT_MESSAGE, height: Infinity })).toBe(false);
    expect(isHeightMessage({ type: 'navigate', url: '/api/me' })).toBe(false);
    expect(isHeightMessage(null)).toBe(false);
    expect(isReadyMessage({ type: 'folio:frame-ready' })).toBe(true);
    expect(isReadyMessage('folio:frame-ready')).toBe(false);
  });
  it('renders a plotly figure in the frame, with plotly.js loaded by the frame from our server', () => {
    const doc = sandboxPlotlyDocument({ data: [{ type: 'bar', y: [1, 2] }] }, '/assets/plotly.min-abc.js');
    expect(doc).toContain('<script src="/assets/plotly.min-abc.js"></script>');
    expect(doc).toContain('{"data":[{"type":"bar","y":[1,2]}]}');
    expect(doc).toContain("Plotly.newPlot('folio-plot'");
  });
  it('embeds figure JSON so that no string in it can end the script', () => {
    const figure = { layout: { title: '</script><script>alert(1)</script><!--' } };
    const doc = sandboxPlotlyDocument(figure, '/p.js');
    expect(doc.match(/<\/script>/g)).toHaveLength(3); // plotly.js, the plot script, the sizing script
    expect(doc).not.toContain('<!--');
    expect(JSON.parse(scriptJson(figure))).toEqual(figure);
  });
});
