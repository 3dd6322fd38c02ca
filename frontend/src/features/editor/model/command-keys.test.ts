import { describe, expect, it } from 'vitest';
import { BINDINGS, commandModeKey, formatKeys, keyCommand, keystroke, type KeyPress } from './command-keys';
import { COMMANDS, searchCommands } from './commands';

const press = (keys: KeyPress[]) => {
  let pending: string | null = null;
  const commands: (string | null)[] = [];
  for (const k of keys) {
    const r = commandModeKey(pending, k);
    pending = r.pending;
    commands.push(r.command);
  }
  return commands;
};

describe('command mode keys', () => {
  it('maps single keys like JupyterLab', () => {
    expect(
      press([{ key: 'a' }, { key: 'b' }, { key: 'm' }, { key: 'y' }, { key: 'c' }, { key: 'v' }, { key: 'x' }]),
    ).toEqual(['insert-above', 'insert-below', 'to-markdown', 'to-code', 'copy', 'paste-below', 'cut']);
    expect(press([{ key: 'V', shiftKey: true }])).toEqual(['paste-above']);
    expect(press([{ key: 'ArrowUp' }, { key: 'k' }, { key: 'ArrowDown' }, { key: 'j' }])).toEqual([
      'select-previous',
      'select-previous',
      'select-next',
      'select-next',
    ]);
  });
  it('Shift+M merges (it used to make the cell Markdown); Z / Shift+Z undo and redo', () => {
    expect(press([{ key: 'M', shiftKey: true }, { key: 'm' }])).toEqual(['merge', 'to-markdown']);
    expect(press([{ key: 'z' }, { key: 'Z', shiftKey: true }])).toEqual(['undo', 'redo']);
  });
  it('extends the selection with Shift+J/K and Shift+arrows', () => {
    expect(
      press([
        { key: 'J', shiftKey: true },
        { key: 'K', shiftKey: true },
        { key: 'ArrowDown', shiftKey: true },
        { key: 'ArrowUp', shiftKey: true },
        { key: 'a', ctrlKey: true },
      ]),
    ).toEqual(['extend-below', 'extend-above', 'extend-below', 'extend-above', 'select-all']);
  });
  it('deletes on D,D only; a lone Shift does not break the chord', () => {
    expect(press([{ key: 'd' }, { key: 'd' }])).toEqual([null, 'delete']);
    expect(press([{ key: 'd' }, { key: 'a' }, { key: 'd' }])).toEqual([null, 'insert-above', null]);
    expect(press([{ key: 'd' }, { key: 'Shift', shiftKey: true }, { key: 'd' }])).toEqual([null, null, 'delete']);
  });
  it('interrupts on I,I and restarts on 0,0', () => {
    expect(press([{ key: 'i' }, { key: 'i' }, { key: '0' }, { key: '0' }])).toEqual([
      null,
      'interrupt',
      null,
      'restart',
    ]);
  });
  it('runs with Shift/Ctrl/Alt+Enter and edits with Enter', () => {
    expect(
      press([
        { key: 'Enter', shiftKey: true },
        { key: 'Enter', ctrlKey: true },
        { key: 'Enter', altKey: true },
        { key: 'Enter' },
      ]),
    ).toEqual(['run-and-select-next', 'run', 'run-and-insert-below', 'enter-edit']);
  });
  it('saves on Ctrl+S, moves with Ctrl+Shift+arrows, and ignores other modified keys', () => {
    expect(
      press([
        { key: 's', ctrlKey: true },
        { key: 'ArrowUp', ctrlKey: true, shiftKey: true },
        { key: 'q', ctrlKey: true },
        { key: 'b', altKey: true },
      ]),
    ).toEqual(['save', 'move-up', null, null]);
  });
  it('ignores unknown keys and clears a pending chord', () => {
    expect(press([{ key: 'd' }, { key: 'q' }, { key: 'd' }])).toEqual([null, null, null]);
  });
  it('edit mode and page-wide bindings come from the same table', () => {
    expect(keyCommand('edit', null, { key: '-', ctrlKey: true, shiftKey: true }).command).toBe('split');
    expect(keyCommand('any', null, { key: 'C', ctrlKey: true, shiftKey: true }).command).toBe('command-palette');
    expect(keyCommand('command', null, { key: 'Escape' }).command).toBe(null);
  });
  it('normalises and shows key strokes', () => {
    expect(keystroke({ key: 'j', shiftKey: true })).toBe('Shift+J');
    expect(keystroke({ key: 'ArrowUp', metaKey: true, shiftKey: true })).toBe('Ctrl+Shift+ArrowUp');
    expect(keystroke({ key: 'Control', ctrlKey: true })).toBe(null);
    expect(formatKeys(['D', 'D'])).toBe('D, D');
    expect(formatKeys(['Shift+ArrowDown'])).toBe('Shift+↓');
  });
  it('every binding names a known command, and no two bindings of a mode share keys', () => {
    const known = new Set(COMMANDS.map((c) => c.id));
    for (const x of BINDINGS) expect(known.has(x.command), x.command).toBe(true);
    const seen = new Set(BINDINGS.map((x) => `${x.mode}:${x.keys.join(' ')}`));
    expect(seen.size).toBe(BINDINGS.length);
  });
});

describe('command palette search', () => {
  it('matches every word against label and category, with bindings attached', () => {
    const merge = searchCommands('merge sel');
    expect(merge.map((c) => c.id)).toEqual(['merge']);
    expect(merge[0]!.bindings.map((x) => x.keys)).toEqual([['Shift+M']]);
    expect(searchCommands('RUN all').map((c) => c.id)).toContain('run-all');
    expect(searchCommands('').length).toBe(COMMANDS.filter((c) => !c.hidden).length);
    expect(searchCommands('no such command')).toEqual([]);
  });
});
