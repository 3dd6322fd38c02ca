/**
 * JupyterLab's command-mode keys as a pure function: a key press (and any pending first key of a chord such as
 * D,D or I,I or 0,0) → the command to run and the new pending key.
 */
export type Command =
  | 'run'
  | 'run-and-select-next'
  | 'run-and-insert-below'
  | 'enter-edit'
  | 'select-previous'
  | 'select-next'
  | 'insert-above'
  | 'insert-below'
  | 'delete'
  | 'cut'
  | 'copy'
  | 'paste-below'
  | 'paste-above'
  | 'to-markdown'
  | 'to-code'
  | 'to-raw'
  | 'move-up'
  | 'move-down'
  | 'interrupt'
  | 'restart'
  | 'save';

export interface KeyPress {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
}

export interface CommandResult {
  command: Command | null;
  pending: string | null;
}

const CHORDS: Record<string, Command> = { d: 'delete', i: 'interrupt', '0': 'restart' };

export function commandModeKey(pending: string | null, e: KeyPress): CommandResult {
  const mod = e.ctrlKey || e.metaKey;
  if (e.key === 'Enter') {
    if (e.shiftKey) return { command: 'run-and-select-next', pending: null };
    if (mod) return { command: 'run', pending: null };
    if (e.altKey) return { command: 'run-and-insert-below', pending: null };
    return { command: 'enter-edit', pending: null };
  }
  if (mod) {
    if (e.key.toLowerCase() === 's') return { command: 'save', pending: null };
    if (e.shiftKey && e.key === 'ArrowUp') return { command: 'move-up', pending: null };
    if (e.shiftKey && e.key === 'ArrowDown') return { command: 'move-down', pending: null };
    return { command: null, pending: null };
  }
  if (e.altKey) return { command: null, pending: null };
  const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  const chord = CHORDS[k];
  if (chord) {
    if (pending === k) return { command: chord, pending: null };
    return { command: null, pending: k };
  }
  switch (k) {
    case 'ArrowUp':
    case 'k':
      return { command: 'select-previous', pending: null };
    case 'ArrowDown':
    case 'j':
      return { command: 'select-next', pending: null };
    case 'a':
      return { command: 'insert-above', pending: null };
    case 'b':
      return { command: 'insert-below', pending: null };
    case 'x':
      return { command: 'cut', pending: null };
    case 'c':
      return { command: 'copy', pending: null };
    case 'v':
      return { command: e.shiftKey ? 'paste-above' : 'paste-below', pending: null };
    case 'm':
      return { command: 'to-markdown', pending: null };
    case 'y':
      return { command: 'to-code', pending: null };
    case 'r':
      return { command: 'to-raw', pending: null };
    default:
      return { command: null, pending: null };
  }
}
