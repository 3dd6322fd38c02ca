import { bindingsOf, type Binding, type Command } from './command-keys';

export type CommandCategory = 'Run' | 'Cells' | 'Selection' | 'Edit' | 'Kernel' | 'Notebook' | 'Help';

export interface CommandInfo {
  id: Command;
  label: string;
  category: CommandCategory;
  /** Not offered in the palette (the edge moves are cursor keys, not commands one picks). */
  hidden?: boolean;
}

/** Every notebook command, as the command palette and the shortcuts help show it. */
export const COMMANDS: readonly CommandInfo[] = [
  { id: 'run-and-select-next', label: 'Run selected cells and select next', category: 'Run' },
  { id: 'run', label: 'Run selected cells and do not advance', category: 'Run' },
  { id: 'run-and-insert-below', label: 'Run selected cells and insert below', category: 'Run' },
  { id: 'run-all', label: 'Run all cells', category: 'Run' },
  { id: 'run-above', label: 'Run all above selected cell', category: 'Run' },
  { id: 'run-below', label: 'Run selected cell and all below', category: 'Run' },
  { id: 'enter-edit', label: 'Enter edit mode', category: 'Edit' },
  { id: 'escape', label: 'Enter command mode', category: 'Edit' },
  { id: 'split', label: 'Split cell at cursor', category: 'Edit' },
  { id: 'find', label: 'Find and replace', category: 'Edit' },
  { id: 'cursor-up-edge', label: 'Move to the cell above', category: 'Edit', hidden: true },
  { id: 'cursor-down-edge', label: 'Move to the cell below', category: 'Edit', hidden: true },
  { id: 'select-previous', label: 'Select cell above', category: 'Selection' },
  { id: 'select-next', label: 'Select cell below', category: 'Selection' },
  { id: 'extend-above', label: 'Extend selection above', category: 'Selection' },
  { id: 'extend-below', label: 'Extend selection below', category: 'Selection' },
  { id: 'extend-top', label: 'Extend selection to the first cell', category: 'Selection' },
  { id: 'extend-bottom', label: 'Extend selection to the last cell', category: 'Selection' },
  { id: 'select-all', label: 'Select all cells', category: 'Selection' },
  { id: 'insert-above', label: 'Insert cell above', category: 'Cells' },
  { id: 'insert-below', label: 'Insert cell below', category: 'Cells' },
  { id: 'insert-markdown', label: 'Insert Markdown cell below', category: 'Cells' },
  { id: 'delete', label: 'Delete cells', category: 'Cells' },
  { id: 'cut', label: 'Cut cells', category: 'Cells' },
  { id: 'copy', label: 'Copy cells', category: 'Cells' },
  { id: 'paste-below', label: 'Paste cells below', category: 'Cells' },
  { id: 'paste-above', label: 'Paste cells above', category: 'Cells' },
  { id: 'undo', label: 'Undo cell operation', category: 'Cells' },
  { id: 'redo', label: 'Redo cell operation', category: 'Cells' },
  { id: 'merge', label: 'Merge selected cells', category: 'Cells' },
  { id: 'merge-above', label: 'Merge cell above', category: 'Cells' },
  { id: 'merge-below', label: 'Merge cell below', category: 'Cells' },
  { id: 'move-up', label: 'Move cells up', category: 'Cells' },
  { id: 'move-down', label: 'Move cells down', category: 'Cells' },
  { id: 'to-code', label: 'Change to code cell type', category: 'Cells' },
  { id: 'to-markdown', label: 'Change to Markdown cell type', category: 'Cells' },
  { id: 'to-raw', label: 'Change to raw cell type', category: 'Cells' },
  { id: 'heading-1', label: 'Change to heading 1', category: 'Cells' },
  { id: 'heading-2', label: 'Change to heading 2', category: 'Cells' },
  { id: 'heading-3', label: 'Change to heading 3', category: 'Cells' },
  { id: 'heading-4', label: 'Change to heading 4', category: 'Cells' },
  { id: 'heading-5', label: 'Change to heading 5', category: 'Cells' },
  { id: 'heading-6', label: 'Change to heading 6', category: 'Cells' },
  { id: 'clear-outputs', label: 'Clear outputs of all cells', category: 'Cells' },
  { id: 'interrupt', label: 'Interrupt kernel', category: 'Kernel' },
  { id: 'restart', label: 'Restart kernel', category: 'Kernel' },
  { id: 'save', label: 'Save notebook', category: 'Notebook' },
  { id: 'export', label: 'Export as .ipynb', category: 'Notebook' },
  { id: 'command-palette', label: 'Show command palette', category: 'Help' },
  { id: 'shortcuts-help', label: 'Show keyboard shortcuts', category: 'Help' },
];

export interface PaletteItem extends CommandInfo {
  bindings: Binding[];
}

/** The palette's items matching a query: every word of it in the label or category, case-insensitive. */
export function searchCommands(query: string, commands: readonly CommandInfo[] = COMMANDS): PaletteItem[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return commands
    .filter((c) => !c.hidden && words.every((w) => `${c.label} ${c.category}`.toLowerCase().includes(w)))
    .map((c) => ({ ...c, bindings: bindingsOf(c.id) }));
}

export const labelOf = (id: Command) => COMMANDS.find((c) => c.id === id)?.label ?? id;
