import { useEffect, useRef, type RefObject } from 'react';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), ' +
  'textarea:not([disabled]), iframe, [tabindex]:not([tabindex="-1"]), [contenteditable="true"]';

/**
 * Where Tab (or Shift+Tab) goes inside a modal: the next (previous) of its focusable elements, wrapping round at either
 * end; from outside them (the dialog box itself, or the page behind) to the first (last). Null: nothing to focus.
 */
export function nextInCycle<T>(focusables: readonly T[], current: T | null, backwards: boolean): T | null {
  if (focusables.length === 0) return null;
  const at = current === null ? -1 : focusables.indexOf(current);
  if (at === -1) return backwards ? focusables[focusables.length - 1]! : focusables[0]!;
  const step = backwards ? -1 : 1;
  return focusables[(at + step + focusables.length) % focusables.length]!;
}

/** Open modals, innermost last: only the innermost one answers keys (a confirm opened over a dialog). */
const open: object[] = [];

/**
 * What every modal here needs, as a WAI-ARIA dialog does: on open, focus moves into the box (`initial()`'s element,
 * else the box); Tab and Shift+Tab stay inside it; Escape closes it wherever focus is — also when it fell to the page
 * (a button that focus was on went away) — and goes no further (no editor shortcut sees it); on close, focus goes
 * back to the element that had it before, if that is still on the page and the closer did not move focus itself.
 */
export function useModal(
  box: RefObject<HTMLElement | null>,
  onClose: () => void,
  initial?: (box: HTMLElement) => HTMLElement | null | undefined,
) {
  const close = useRef(onClose);
  close.current = onClose;
  const first = useRef(initial);
  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const me = {};
    open.push(me);
    const el = box.current;
    if (el) (first.current?.(el) ?? el).focus();
    const onKey = (e: KeyboardEvent) => {
      const root = box.current;
      if (!root || open[open.length - 1] !== me) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        close.current();
      } else if (e.key === 'Tab') {
        const items = [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((n) => n.getClientRects().length > 0);
        const active = document.activeElement instanceof HTMLElement ? document.activeElement : null;
        const inside = active && root.contains(active) && items.includes(active) ? active : null;
        const atEdge = inside === null || inside === (e.shiftKey ? items[0] : items[items.length - 1]);
        if (!atEdge) return; // the browser's own order, within the box
        e.preventDefault();
        (nextInCycle(items, inside, e.shiftKey) ?? root).focus();
      }
    };
    // Capture on the document: the dialog hears its keys before anything in the page behind it.
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      open.splice(open.indexOf(me), 1);
      // Back where it was — unless whoever closed the dialog has already put focus somewhere on purpose.
      const now = document.activeElement;
      const lost = !now || now === document.body || !!el?.contains(now);
      if (lost && before?.isConnected) before.focus();
    };
  }, [box]);
}
