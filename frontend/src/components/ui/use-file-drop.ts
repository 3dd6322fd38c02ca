import { useState, type DragEvent } from 'react';

/**
 * Dropping files from the desktop onto an element: `over` while files are dragged over it (for the highlight), and
 * the props to spread on it. Drags of anything but files (text, a cell) pass through untouched.
 */
export function useFileDrop(onFiles: (files: File[]) => void) {
  const [over, setOver] = useState(false);
  const dropProps = {
    onDragOver: (e: DragEvent) => {
      if (!e.dataTransfer.types.includes('Files')) return;
      e.preventDefault();
      setOver(true);
    },
    onDragLeave: (e: DragEvent) => {
      if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
    },
    onDrop: (e: DragEvent) => {
      e.preventDefault();
      setOver(false);
      onFiles(Array.from(e.dataTransfer.files));
    },
  };
  return { over, dropProps };
}
