import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A modal with a title: Escape closes it, focus moves into it on open (to its first field, else the dialog) and back
 * to where it was on close. Forms inside give their own buttons (see `.modal-actions`).
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
  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const first = box.current?.querySelector<HTMLElement>('input:not([readonly]), select, textarea');
    (first ?? box.current)?.focus();
    return () => before?.focus();
  }, []);
  return (
    <div
      className="modal-backdrop"
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        e.stopPropagation();
        onClose();
      }}
    >
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
