import { describe, expect, it } from 'vitest';
import { commandModeKey, type KeyPress } from './command-keys';

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
  it('deletes on D,D only', () => {
    expect(press([{ key: 'd' }, { key: 'd' }])).toEqual([null, 'delete']);
    expect(press([{ key: 'd' }, { key: 'a' }, { key: 'd' }])).toEqual([null, 'insert-above', null]);
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
  it('saves on Ctrl+S and ignores other modified keys', () => {
    expect(
      press([
        { key: 's', ctrlKey: true },
        { key: 'a', ctrlKey: true },
        { key: 'b', altKey: true },
      ]),
    ).toEqual(['save', null, null]);
  });
  it('ignores unknown keys and clears a pending chord', () => {
    expect(press([{ key: 'd' }, { key: 'q' }, { key: 'd' }])).toEqual([null, null, null]);
  });
});
