/**
 * JupyterLab 4's notebook key bindings as data, and the command-mode key handler that reads them. The Monaco editor
 * registers its edit-mode bindings from the same table, and the shortcuts help lists it, so what is shown is what
 * the keys do.
 */
export type Command =
  | 'run'
  | 'run-and-select-next'
  | 'run-and-insert-below'
  | 'run-all'
  | 'run-above'
  | 'run-below'
  | 'enter-edit'
  | 'escape'
  | 'select-previous'
  | 'select-next'
  | 'extend-above'
  | 'extend-below'
  | 'extend-top'
  | 'extend-bottom'
  | 'select-all'
  | 'insert-above'
  | 'insert-below'
  | 'insert-markdown'
  | 'delete'
  | 'cut'
  | 'copy'
  | 'paste-below'
  | 'paste-above'
  | 'undo'
  | 'redo'
  | 'merge'
  | 'merge-above'
  | 'merge-below'
  | 'split'
  | 'to-markdown'
  | 'to-code'
  | 'to-raw'
  | 'heading-1'
  | 'heading-2'
  | 'heading-3'
  | 'heading-4'
  | 'heading-5'
  | 'heading-6'
  | 'move-up'
  | 'move-down'
  | 'clear-outputs'
  | 'interrupt'
  | 'restart'
  | 'save'
  | 'export'
  | 'cursor-up-edge'
  | 'cursor-down-edge'
  | 'command-palette'
  | 'shortcuts-help'
  | 'find';

/** `command`: the notebook has focus, no editor; `edit`: typing in a cell's editor; `any`: anywhere on the page. */
export type KeyMode = 'command' | 'edit' | 'any';

export interface Binding {
  /** Key strokes in order ("D D" is two strokes); each stroke is `[Ctrl+][Alt+][Shift+]Key`, Key as KeyboardEvent.key (letters upper case). */
  keys: string[];
  command: Command;
  mode: KeyMode;
  /** Shown in the shortcuts help when the keys act only in some situation. */
  note?: string;
}

const b = (mode: KeyMode, keys: string, command: Command, note?: string): Binding => ({
  keys: keys.split(' '),
  command,
  mode,
  ...(note ? { note } : {}),
});

export const BINDINGS: readonly Binding[] = [
  b('command', 'Shift+Enter', 'run-and-select-next'),
  b('command', 'Ctrl+Enter', 'run'),
  b('command', 'Alt+Enter', 'run-and-insert-below'),
  b('command', 'Enter', 'enter-edit'),
  b('command', 'ArrowUp', 'select-previous'),
  b('command', 'K', 'select-previous'),
  b('command', 'ArrowDown', 'select-next'),
  b('command', 'J', 'select-next'),
  b('command', 'Shift+ArrowUp', 'extend-above'),
  b('command', 'Shift+K', 'extend-above'),
  b('command', 'Shift+ArrowDown', 'extend-below'),
  b('command', 'Shift+J', 'extend-below'),
  b('command', 'Shift+Home', 'extend-top'),
  b('command', 'Shift+End', 'extend-bottom'),
  b('command', 'Ctrl+A', 'select-all'),
  b('command', 'A', 'insert-above'),
  b('command', 'B', 'insert-below'),
  b('command', 'D D', 'delete'),
  b('command', 'X', 'cut'),
  b('command', 'C', 'copy'),
  b('command', 'V', 'paste-below'),
  b('command', 'Shift+V', 'paste-above'),
  b('command', 'Z', 'undo'),
  b('command', 'Shift+Z', 'redo'),
  b('command', 'Shift+M', 'merge'),
  b('command', 'Ctrl+Backspace', 'merge-above'),
  b('command', 'Ctrl+Shift+M', 'merge-below'),
  b('command', 'M', 'to-markdown'),
  b('command', 'Y', 'to-code'),
  b('command', 'R', 'to-raw'),
  b('command', '1', 'heading-1'),
  b('command', '2', 'heading-2'),
  b('command', '3', 'heading-3'),
  b('command', '4', 'heading-4'),
  b('command', '5', 'heading-5'),
  b('command', '6', 'heading-6'),
  b('command', 'Ctrl+Shift+ArrowUp', 'move-up'),
  b('command', 'Ctrl+Shift+ArrowDown', 'move-down'),
  b('command', 'I I', 'interrupt'),
  b('command', '0 0', 'restart'),
  b('command', 'Ctrl+S', 'save'),
  b('edit', 'Shift+Enter', 'run-and-select-next'),
  b('edit', 'Ctrl+Enter', 'run'),
  b('edit', 'Alt+Enter', 'run-and-insert-below'),
  b('edit', 'Escape', 'escape'),
  b('edit', 'Ctrl+M', 'escape'),
  b('edit', 'Ctrl+Shift+-', 'split'),
  b('edit', 'ArrowUp', 'cursor-up-edge', 'at the start of the cell'),
  b('edit', 'ArrowDown', 'cursor-down-edge', 'at the end of the cell'),
  b('edit', 'Ctrl+S', 'save'),
  b('any', 'Ctrl+Shift+C', 'command-palette'),
  // find-replace.tsx takes Ctrl+F first (capture phase, also inside Monaco, whose own find must not open) and Ctrl+G /
  // Ctrl+Shift+G while its box is open; listed here so the palette and the help show it.
  b('any', 'Ctrl+F', 'find'),
];

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

const MODIFIER_KEYS = new Set(['Shift', 'Control', 'Alt', 'Meta', 'AltGraph', 'CapsLock']);

/** A key press as a stroke of the table (`Ctrl+Shift+ArrowUp`, `Shift+M`, `D`); null for a modifier alone. */
export function keystroke(e: KeyPress): string | null {
  if (MODIFIER_KEYS.has(e.key)) return null;
  const key = e.key === ' ' ? 'Space' : e.key.length === 1 ? e.key.toUpperCase() : e.key;
  const mods = [(e.ctrlKey || e.metaKey) && 'Ctrl', e.altKey && 'Alt', e.shiftKey && 'Shift'].filter(Boolean);
  return [...mods, key].join('+');
}

function bindingFor(mode: KeyMode, keys: string[]): Binding | undefined {
  return BINDINGS.find(
    (x) => x.mode === mode && x.keys.length === keys.length && x.keys.every((k, i) => k === keys[i]),
  );
}

const startsChord = (mode: KeyMode, stroke: string) =>
  BINDINGS.some((x) => x.mode === mode && x.keys.length > 1 && x.keys[0] === stroke);

/** Bindings of one mode: a key press (and a pending first stroke of a chord such as D D) → the command and the new pending stroke. */
export function keyCommand(mode: KeyMode, pending: string | null, e: KeyPress): CommandResult {
  const stroke = keystroke(e);
  if (!stroke) return { command: null, pending };
  if (pending) {
    const chord = bindingFor(mode, [pending, stroke]);
    if (chord) return { command: chord.command, pending: null };
  }
  if (startsChord(mode, stroke)) return { command: null, pending: stroke };
  return { command: bindingFor(mode, [stroke])?.command ?? null, pending: null };
}

/** JupyterLab's command-mode keys. */
export const commandModeKey = (pending: string | null, e: KeyPress) => keyCommand('command', pending, e);

/** How a binding is shown: `Shift+↑`, `D, D`, `Ctrl+Shift+-`. */
export function formatKeys(keys: readonly string[]): string {
  const pretty = (k: string) =>
    k.replace('ArrowUp', '↑').replace('ArrowDown', '↓').replace('ArrowLeft', '←').replace('ArrowRight', '→');
  return keys.map(pretty).join(', ');
}

export const bindingsOf = (command: Command): Binding[] => BINDINGS.filter((x) => x.command === command);
