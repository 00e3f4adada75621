/**
 * Drag and drop (or choose) a ZIP or many images. It is a real button, so the keyboard opens the file
 * chooser; files that are plainly not images or ZIPs are listed with the reason instead of being sent.
 */
import { useRef, useState, type DragEvent } from "react";

import { formatBytes } from "../lib/format";
import { sortDropped } from "../lib/upload";

export function DropZone({ onFiles, disabled }: { onFiles: (files: File[], refused: { name: string; reason: string }[]) => void; disabled?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);

  function take(list: FileList | null) {
    if (!list || disabled) return;
    const { zips, images, refused } = sortDropped(Array.from(list));
    onFiles([...zips, ...images], refused);
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    take(e.dataTransfer.files);
  }

  return (
    <div>
      <input
        ref={input}
        type="file"
        multiple
        accept=".zip,application/zip,image/*"
        className="sr-only"
        data-testid="file-input"
        onChange={(e) => {
          take(e.target.files);
          e.target.value = "";
        }}
        tabIndex={-1}
        aria-hidden="true"
      />
      <button
        type="button"
        disabled={disabled}
        onClick={() => input.current?.click()}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        className={`flex w-full flex-col items-center justify-center gap-2 rounded-xl border-2 border-dashed p-8 text-center transition ${over ? "border-brand-500 bg-brand-50" : "border-slate-300 bg-white hover:border-slate-400"} disabled:opacity-50`}
      >
        <svg viewBox="0 0 24 24" className="h-10 w-10 text-brand-600" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true">
          <path d="M12 16V4m0 0l-4 4m4-4l4 4M4 16v2a2 2 0 002 2h12a2 2 0 002-2v-2" />
        </svg>
        <span className="font-medium text-slate-800">Drop a ZIP or product photos here</span>
        <span className="text-sm text-slate-500">or press to choose files · JPEG, PNG or WebP · up to thousands in one ZIP</span>
      </button>
    </div>
  );
}

export function FileList({ files }: { files: File[] }) {
  if (!files.length) return null;
  const total = files.reduce((n, f) => n + f.size, 0);
  return (
    <p className="text-sm text-slate-600" data-testid="chosen-files">
      {files.length === 1 ? files[0].name : `${files.length} files`} · {formatBytes(total)}
    </p>
  );
}
