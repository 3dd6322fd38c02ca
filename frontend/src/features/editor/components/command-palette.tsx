import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { formatKeys, type Command } from '../model/command-keys';
import { searchCommands } from '../model/commands';

/**
 * JupyterLab's command palette (Ctrl+Shift+C): every notebook command, filtered as one types, with its key binding.
 * ↑/↓ pick, Enter runs, Escape (or a click outside) closes.
 */
export function CommandPalette({ onRun, onClose }: { onRun: (command: Command) => void; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const items = useMemo(() => searchCommands(query), [query]);
  const current = Math.min(index, items.length - 1);

  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    list.current?.querySelector('[aria-selected=true]')?.scrollIntoView?.({ block: 'nearest' });
  }, [current]);

  const handleKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') onClose();
    else if (e.key === 'ArrowDown') setIndex((i) => Math.min(items.length - 1, Math.max(0, i) + 1));
    else if (e.key === 'ArrowUp') setIndex((i) => Math.max(0, Math.min(i, items.length - 1) - 1));
    else if (e.key === 'Enter' && items[current]) onRun(items[current].id);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className="modal palette"
        role="dialog"
        aria-modal="true"
        aria-label="Command palette"
        data-testid="command-palette"
      >
        <input
          ref={input}
          className="palette-input"
          placeholder="Search commands"
          aria-label="Search commands"
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-list"
          aria-activedescendant={items[current] ? `palette-${items[current].id}` : undefined}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setIndex(0);
          }}
          onKeyDown={handleKeyDown}
          data-testid="palette-input"
        />
        {items.length === 0 ? (
          <p className="palette-empty" data-testid="palette-empty">
            No command matches “{query}”.
          </p>
        ) : (
          <ul id="palette-list" className="palette-list" role="listbox" ref={list}>
            {items.map((c, i) => (
              <li
                key={c.id}
                id={`palette-${c.id}`}
                role="option"
                aria-selected={i === current}
                className="palette-item"
                data-testid="palette-item"
                data-command={c.id}
                onMouseMove={() => setIndex(i)}
                onClick={() => onRun(c.id)}
              >
                <span className="palette-category">{c.category}</span>
                <span className="palette-label">{c.label}</span>
                {c.bindings.map((b) => (
                  <kbd key={`${b.mode}:${b.keys.join(' ')}`} title={`${b.mode} mode`}>
                    {formatKeys(b.keys)}
                  </kbd>
                ))}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
