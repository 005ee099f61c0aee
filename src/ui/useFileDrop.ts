/**
 * Files dropped on a panel (Saved labs, rollout logs): the props for the panel's element and whether files are being
 * dragged over it (the panel draws its outline then). `onFiles` gets every dropped file; it is not called when
 * `enabled` is false.
 */
import { useState, type DragEvent } from 'react';

export function useFileDrop(onFiles: (files: File[]) => void, enabled = true) {
  const [dragging, setDragging] = useState(false);
  return {
    dragging,
    dropProps: {
      onDragOver: (e: DragEvent) => {
        e.preventDefault();
        setDragging(true);
      },
      onDragLeave: () => setDragging(false),
      onDrop: (e: DragEvent) => {
        e.preventDefault();
        setDragging(false);
        const files = [...e.dataTransfer.files];
        if (files.length && enabled) onFiles(files);
      },
    },
  };
}
