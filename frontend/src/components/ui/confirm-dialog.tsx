import { useEffect, useRef, type ReactNode } from 'react';
import { Button } from './button';

/**
 * A small modal asking to confirm a destructive action. Escape or "Cancel" closes it. Focus starts on "Cancel", or on
 * the confirm button with `focusConfirm` (JupyterLab's kernel dialogs: 0, 0 then Enter restarts).
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  busy,
  focusConfirm,
  onConfirm,
  onCancel,
}: {
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  focusConfirm?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => (focusConfirm ? confirmRef : cancelRef).current?.focus(), [focusConfirm]);
  return (
    <div className="modal-backdrop" onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title">
        <h2 id="confirm-title">{title}</h2>
        {children}
        <div className="modal-actions">
          <Button ref={cancelRef} onClick={onCancel}>
            Cancel
          </Button>
          <Button ref={confirmRef} variant="danger" onClick={onConfirm} disabled={busy} data-testid="confirm-button">
            {busy ? 'Working…' : confirmLabel}
          </Button>
        </div>
      </div>
    </div>
  );
}
