import { useRef, type ReactNode } from 'react';
import { useModal } from './use-modal';

const firstField = (box: HTMLElement) =>
  box.querySelector<HTMLElement>('input:not([readonly]):not([disabled]), select, textarea');

/**
 * A modal with a title (see `useModal`: focus moves in — to its first field, else the box — Tab stays inside,
 * Escape closes, focus goes back on close). A field that appears later (after a load) takes focus with `autoFocus`.
 * Forms inside give their own buttons (see `.modal-actions`).
 */
export function Dialog({
  title,
  children,
  onClose,
  className,
  testId,
}: {
  title: string;
  children: ReactNode;
  onClose: () => void;
  className?: string;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useModal(box, onClose, firstField);
  return (
    <div className="modal-backdrop">
      <div
        ref={box}
        tabIndex={-1}
        className={`modal${className ? ` ${className}` : ''}`}
        role="dialog"
        aria-modal="true"
        aria-label={title}
        data-testid={testId}
      >
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}
