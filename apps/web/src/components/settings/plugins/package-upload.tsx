'use client';
import { FileArchive, FolderOpen, LoaderCircle } from 'lucide-react';
import { useEffect, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import type { PluginView } from '@/lib/settings/model';
import { isTgzName, MAX_PACKAGE_BYTES, readFolderPackage } from '@/lib/settings/package';
import { cn } from '@/lib/utils';

type Stage = { kind: 'idle' } | { kind: 'reading' } | { kind: 'uploading'; percent: number } | { kind: 'checking' };
export type UploadFailure = { message: string; code?: string };

/** Sends a package to the web app's package route, reporting upload progress. */
function send(
  body: Blob | string,
  contentType: string,
  upgradeId: string | undefined,
  onProgress: (percent: number) => void,
): Promise<{ plugin: PluginView } | { error: UploadFailure }> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/settings/plugin-packages${upgradeId ? `?upgrade=${encodeURIComponent(upgradeId)}` : ''}`);
    xhr.setRequestHeader('content-type', contentType);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onload = () => {
      let json: { plugin?: PluginView; error?: { code?: string; message?: string } } | undefined;
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        json = undefined;
      }
      if (json?.plugin) resolve({ plugin: json.plugin });
      else if (json?.error?.message)
        resolve({ error: { message: json.error.message, ...(json.error.code ? { code: json.error.code } : {}) } });
      else
        resolve({
          error: {
            message:
              'The web app did not answer as expected. Your session may have ended: reload the page and try again.',
          },
        });
    };
    xhr.onerror = () =>
      resolve({ error: { message: "Can't reach the web app. Check your connection, then try again." } });
    xhr.send(body);
  });
}

/**
 * Choose a plugin package: a .tgz (also by dropping it here) or the folder the SDK built.
 * Shows progress while it is read, uploaded and checked by the hub.
 */
export function PackageUpload({
  upgradeId,
  onDone,
  onError,
  children,
}: {
  /** Upgrading an installed plugin rather than installing a new one. */
  upgradeId?: string;
  onDone: (plugin: PluginView) => void;
  onError: (failure: UploadFailure) => void;
  children?: ReactNode;
}) {
  const [stage, setStage] = useState<Stage>({ kind: 'idle' });
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  // The pickers work only once React runs in the page: until then they stay disabled.
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);
  const busy = stage.kind !== 'idle' || !ready;
  const verb = upgradeId ? 'Upgrade' : 'Install';

  async function finish(result: Awaited<ReturnType<typeof send>>) {
    setStage({ kind: 'idle' });
    if ('plugin' in result) onDone(result.plugin);
    else onError(result.error);
  }

  async function uploadTgz(file: File) {
    if (!isTgzName(file.name))
      return onError({ message: `${file.name} is not a plugin package: choose a .tgz file, or the plugin’s folder.` });
    if (file.size > MAX_PACKAGE_BYTES)
      return onError({ message: `${file.name} is larger than 3 MB, the most a plugin package may be.` });
    setStage({ kind: 'uploading', percent: 0 });
    const result = await send(file, 'application/gzip', upgradeId, (percent) =>
      setStage(percent >= 100 ? { kind: 'checking' } : { kind: 'uploading', percent }),
    );
    await finish(result);
  }

  async function uploadFolder(list: FileList) {
    setStage({ kind: 'reading' });
    const files = Array.from(list, (f) => ({
      path: f.webkitRelativePath || f.name,
      size: f.size,
      text: () => f.text(),
    }));
    const picked = await readFolderPackage(files);
    if (!picked.ok) {
      setStage({ kind: 'idle' });
      return onError({ message: picked.error });
    }
    setStage({ kind: 'uploading', percent: 0 });
    const body = JSON.stringify({ manifest: picked.manifest, bundle: picked.bundle });
    const result = await send(body, 'application/json', upgradeId, (percent) =>
      setStage(percent >= 100 ? { kind: 'checking' } : { kind: 'uploading', percent }),
    );
    await finish(result);
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file && !busy) void uploadTgz(file);
  }

  return (
    <div
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      className={cn(
        'rounded-lg border border-dashed border-border p-4 sm:p-5',
        dragging && 'border-primary bg-primary/5',
      )}
    >
      {children}
      <div className="flex flex-wrap gap-2">
        <Button variant={upgradeId ? 'outline' : 'default'} onClick={() => fileInput.current?.click()} disabled={busy}>
          <FileArchive aria-hidden="true" /> {verb} from a .tgz file
        </Button>
        <Button variant="outline" onClick={() => folderInput.current?.click()} disabled={busy}>
          <FolderOpen aria-hidden="true" /> {verb} from a folder
        </Button>
      </div>
      <p className="mt-2 text-xs text-muted-foreground">
        Or drop a .tgz file here. Build one with: made-open-plugin pack &lt;plugin folder&gt;
      </p>
      <input
        ref={fileInput}
        type="file"
        accept=".tgz,.tar.gz,application/gzip,application/x-gzip"
        aria-label={`Plugin package to ${verb.toLowerCase()} (.tgz)`}
        tabIndex={-1}
        className="sr-only"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void uploadTgz(file);
        }}
      />
      <input
        ref={folderInput}
        type="file"
        // Folder choice: non-standard but supported by every current browser.
        {...({ webkitdirectory: '' } as Record<string, string>)}
        multiple
        aria-label={`Plugin folder to ${verb.toLowerCase()}`}
        tabIndex={-1}
        className="sr-only"
        onChange={(e) => {
          const files = e.target.files;
          if (files && files.length > 0) void uploadFolder(files).finally(() => (e.target.value = ''));
        }}
      />
      <div aria-live="polite" className="mt-3 text-sm empty:hidden">
        {stage.kind === 'reading' && (
          <p className="flex items-center gap-2">
            <LoaderCircle className="size-4 animate-spin" aria-hidden="true" /> Reading the folder…
          </p>
        )}
        {stage.kind === 'uploading' && (
          <div className="grid gap-1">
            <label htmlFor="package-progress">Uploading the package… {stage.percent}%</label>
            <progress
              id="package-progress"
              max={100}
              value={stage.percent}
              className="h-2 w-full max-w-sm accent-[var(--primary)]"
            />
          </div>
        )}
        {stage.kind === 'checking' && (
          <p className="flex items-center gap-2">
            <LoaderCircle className="size-4 animate-spin" aria-hidden="true" /> Your hub is checking the manifest and{' '}
            {upgradeId ? 'upgrading' : 'installing'} the plugin…
          </p>
        )}
      </div>
    </div>
  );
}
