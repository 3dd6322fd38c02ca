import { describe, expect, it } from 'vitest';
import {
  HEIGHT_MESSAGE,
  isHeightMessage,
  isReadyMessage,
  sandboxDocument,
  sandboxScriptDocument,
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
});
