'use client';
import { Paperclip, X } from 'lucide-react';
import { fileSize } from '@/lib/messages/model';

export interface AttachedFile {
  /** The Storage path ("bucket/name") the send API takes. */
  path: string;
  name: string;
  /** Bytes, when known. */
  size: number | null;
}

/** Files going with an email, each removable before it is sent. */
export function AttachedFiles({ files, onRemove }: { files: AttachedFile[]; onRemove: (file: AttachedFile) => void }) {
  if (files.length === 0) return null;
  return (
    <ul aria-label="Attached files" className="flex flex-wrap gap-2">
      {files.map((file) => (
        <li key={file.path} className="flex items-center gap-1 rounded-md border border-border py-1 pr-1 pl-2 text-sm">
          <Paperclip className="size-3.5 text-muted-foreground" aria-hidden="true" />
          {file.name}{' '}
          {file.size !== null && <span className="text-xs text-muted-foreground">{fileSize(file.size)}</span>}
          <button
            type="button"
            className="rounded p-0.5 text-muted-foreground outline-none hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring"
            aria-label={`Remove ${file.name}`}
            onClick={() => onRemove(file)}
          >
            <X className="size-3.5" aria-hidden="true" />
          </button>
        </li>
      ))}
    </ul>
  );
}
