import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { Link } from 'react-router-dom';
import { RUNNING_KERNELS_PATH } from './kernel-status';

export type KernelMenuAction = 'interrupt' | 'restart' | 'restart-run-all' | 'shutdown';

const ITEMS: { action: KernelMenuAction; text: string; keys?: string }[] = [
  { action: 'interrupt', text: 'Interrupt kernel', keys: 'I, I' },
  { action: 'restart', text: 'Restart kernel…', keys: '0, 0' },
  { action: 'restart-run-all', text: 'Restart kernel and run all cells…' },
  { action: 'shutdown', text: 'Shut down kernel…' },
];

/**
 * JupyterLab's Kernel menu, as a toolbar drop-down: Interrupt, Restart…, Restart and run all…, Shut down…, and a link
 * to the Running kernels panel. Arrow keys move between items; choosing an item or Escape closes it and gives focus
 * back to where it was (the notebook: command-mode keys keep working, as after JupyterLab's menus).
 */
export function KernelMenu({ onAction }: { onAction: (a: KernelMenuAction) => void }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  /** What had focus when the menu opened (the toolbar does not take focus on click): it gets it back. */
  const returnTo = useRef<HTMLElement | null>(null);
  const close = () => {
    setOpen(false);
    const back = returnTo.current;
    returnTo.current = null;
    (back?.isConnected ? back : button.current)?.focus({ preventScroll: true });
  };

  useEffect(() => {
    if (!open) return;
    root.current?.querySelector<HTMLElement>('[role=menuitem]')?.focus();
    const close = (e: MouseEvent) => !root.current?.contains(e.target as Node) && setOpen(false);
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);

  const handleKeyDown = (e: KeyboardEvent) => {
    e.stopPropagation(); // not the notebook's command-mode keys
    const items = [...(root.current?.querySelectorAll<HTMLElement>('[role=menuitem]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      items[(at + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
    }
  };
  const choose = (a: KernelMenuAction) => {
    close();
    onAction(a);
  };

  return (
    <div className="menu" ref={root} onKeyDown={open ? handleKeyDown : undefined}>
      <button
        ref={button}
        type="button"
        className="btn btn-ghost"
        aria-haspopup="menu"
        aria-expanded={open}
        data-testid="kernel-menu"
        onClick={() => {
          if (open) return close();
          returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
          setOpen(true);
        }}
      >
        Kernel ▾
      </button>
      {open && (
        <div className="menu-list" role="menu" aria-label="Kernel">
          {ITEMS.map((i) => (
            <button
              key={i.action}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className="menu-item"
              data-testid={`kernel-menu-${i.action}`}
              onClick={() => choose(i.action)}
            >
              <span>{i.text}</span>
              {i.keys && <kbd>{i.keys}</kbd>}
            </button>
          ))}
          <div className="menu-sep" role="separator" />
          <Link
            to={RUNNING_KERNELS_PATH}
            role="menuitem"
            tabIndex={-1}
            className="menu-item"
            data-testid="kernel-menu-running"
          >
            Running kernels…
          </Link>
        </div>
      )}
    </div>
  );
}
