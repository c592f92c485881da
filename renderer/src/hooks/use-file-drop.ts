import { useEffect, useState } from 'react';

const hasFiles = (e: DragEvent): boolean => Array.from(e.dataTransfer?.types ?? []).includes('Files');

/** Files dropped anywhere on the window start imports; returns whether a drag with files is over the window. */
export function useFileDrop(win: Window, onFiles: (files: File[]) => void): boolean {
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    // dragenter/dragleave fire for every child element crossed: count them to know when the drag left the window.
    let depth = 0;
    const enter = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth += 1;
      setDragging(true);
    };
    const over = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      // Without this the browser opens the file instead of dropping it on the page.
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      const files = Array.from(e.dataTransfer?.files ?? []);
      if (files.length > 0) onFiles(files);
    };
    win.addEventListener('dragenter', enter);
    win.addEventListener('dragover', over);
    win.addEventListener('dragleave', leave);
    win.addEventListener('drop', drop);
    return () => {
      win.removeEventListener('dragenter', enter);
      win.removeEventListener('dragover', over);
      win.removeEventListener('dragleave', leave);
      win.removeEventListener('drop', drop);
    };
  }, [win, onFiles]);
  return dragging;
}
