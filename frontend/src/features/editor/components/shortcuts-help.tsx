import { useRef } from 'react';
import { Button } from '../../../components/ui/button';
import { useModal } from '../../../components/ui/use-modal';
import { BINDINGS, formatKeys, type KeyMode } from '../model/command-keys';
import { labelOf } from '../model/commands';

const SECTIONS: { mode: KeyMode; title: string }[] = [
  { mode: 'command', title: 'Command mode (Esc)' },
  { mode: 'edit', title: 'Edit mode (Enter)' },
  { mode: 'any', title: 'Anywhere' },
];

/** Every key binding, straight from the table the key handlers use (so it cannot drift from what the keys do). */
export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  const close = useRef<HTMLButtonElement>(null);
  useModal(box, onClose, () => close.current);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={box}
        tabIndex={-1}
        className="modal shortcuts"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        data-testid="shortcuts-help-dialog"
      >
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <div className="shortcuts-body">
          {SECTIONS.map(({ mode, title }) => (
            <section key={mode}>
              <h3>{title}</h3>
              <table className="shortcuts-table">
                <tbody>
                  {BINDINGS.filter((b) => b.mode === mode).map((b) => (
                    <tr key={b.keys.join(' ')} data-testid="shortcut-row" data-command={b.command}>
                      <td>
                        <kbd>{formatKeys(b.keys)}</kbd>
                      </td>
                      <td>
                        {labelOf(b.command)}
                        {b.note && <span className="shortcut-note"> ({b.note})</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ))}
        </div>
        <div className="modal-actions">
          <Button ref={close} onClick={onClose} data-testid="shortcuts-close">
            Close
          </Button>
        </div>
      </div>
    </div>
  );
}
