import { describe, expect, it } from 'vitest';
import { ansiToHtml, stripAnsi } from './ansi';

describe('ansiToHtml', () => {
  it('escapes HTML in terminal text', () => {
    const html = ansiToHtml('<img src=x onerror=alert(1)> & done');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; done');
    expect(html).not.toContain('<img');
  });
  it('turns colour codes into classes, as in a traceback', () => {
    const html = ansiToHtml('\u001b[0;31mValueError\u001b[0m: bad');
    expect(html).toMatch(/<span class="ansi-red-fg">ValueError<\/span>: bad/);
  });
  it('writes inline styles only for what has no class (bold, 256-colour), built from the codes', () => {
    expect(ansiToHtml('\u001b[1mB\u001b[0m \u001b[38;5;196mR\u001b[0m \u001b[33mY')).toBe(
      '<span style="font-weight:bold">B</span> <span style="color:rgb(255,0,0)">R</span> <span class="ansi-yellow-fg">Y</span>',
    );
    expect(ansiToHtml('\u001b[38;2;1;2;3m"><b style="position:fixed">')).not.toContain('<b');
  });
  it('does not leak a colour into the next conversion', () => {
    ansiToHtml('\u001b[31munterminated');
    expect(ansiToHtml('plain')).toBe('plain');
  });
  it('stripAnsi removes escapes only', () => expect(stripAnsi('\u001b[1;32mok\u001b[0m!')).toBe('ok!'));
});
