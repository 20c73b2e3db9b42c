'use client';
import { Camera, LoaderCircle, Trash2 } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toast';
import type { ContactPhoto } from '@/lib/model';
import { initials } from '@/lib/utils';

const ACCEPT = 'image/jpeg,image/png,image/webp,image/gif';
const MAX_BYTES = 5 * 1024 * 1024;

/** The avatar: the contact's photo when there is one, their initials otherwise. */
export function Avatar({
  id,
  name,
  photo,
  className = 'size-14 text-lg',
}: {
  id: string;
  name: string;
  photo: ContactPhoto | null;
  className?: string;
}) {
  return photo ? (
    // A plain <img>: a private, per-user object that next/image's optimiser would fetch without the session.
    <img
      src={`/contacts/${id}/photo?v=${encodeURIComponent(photo.path)}`}
      alt=""
      className={`${className} shrink-0 rounded-full object-cover`}
    />
  ) : (
    <span
      aria-hidden="true"
      className={`${className} grid shrink-0 place-items-center rounded-full bg-primary/15 font-semibold text-primary`}
    >
      {initials(name)}
    </span>
  );
}

/** Choose, replace or remove the photo (stored in the hub's Storage). */
export function PhotoControls({ id, name, photo }: { id: string; name: string; photo: ContactPhoto | null }) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState<'upload' | 'remove'>();
  const [error, setError] = useState<string>();
  const router = useRouter();
  const toast = useToast();

  async function upload(file: File) {
    setError(undefined);
    if (!ACCEPT.split(',').includes(file.type)) return setError('Choose a JPEG, PNG, WebP or GIF image.');
    if (file.size > MAX_BYTES) return setError('The photo is larger than 5 MB. Choose a smaller one.');
    setBusy('upload');
    try {
      const res = await fetch(`/contacts/${id}/photo`, {
        method: 'POST',
        headers: { 'content-type': file.type },
        body: file,
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
        return setError(body.error?.message ?? 'The photo could not be saved. Try again.');
      }
      toast({ title: `Photo of ${name} saved` });
      router.refresh();
    } catch {
      setError('The photo could not be sent: check your connection and try again.');
    } finally {
      setBusy(undefined);
      if (input.current) input.current.value = '';
    }
  }

  async function remove() {
    setBusy('remove');
    setError(undefined);
    const res = await fetch(`/contacts/${id}/photo`, { method: 'DELETE' }).catch(() => null);
    setBusy(undefined);
    if (!res?.ok) return setError('The photo could not be removed. Try again.');
    toast({ title: 'Photo removed' });
    router.refresh();
  }

  return (
    <div className="grid gap-1">
      <div className="flex flex-wrap gap-2">
        <input
          ref={input}
          id="contact-photo"
          type="file"
          accept={ACCEPT}
          aria-label={`Photo of ${name}`}
          tabIndex={-1}
          className="sr-only"
          onChange={(e) => e.target.files?.[0] && upload(e.target.files[0])}
        />
        <Button variant="outline" disabled={busy !== undefined} onClick={() => input.current?.click()}>
          {busy === 'upload' ? (
            <LoaderCircle className="animate-spin" aria-hidden="true" />
          ) : (
            <Camera aria-hidden="true" />
          )}
          {photo ? 'Change photo' : 'Add photo'}
        </Button>
        {photo && (
          <Button variant="ghost" disabled={busy !== undefined} onClick={remove}>
            {busy === 'remove' ? (
              <LoaderCircle className="animate-spin" aria-hidden="true" />
            ) : (
              <Trash2 aria-hidden="true" />
            )}
            Remove photo
          </Button>
        )}
      </div>
      <p role="status" className="sr-only">
        {busy === 'upload' ? 'Uploading photo…' : busy === 'remove' ? 'Removing photo…' : ''}
      </p>
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
    </div>
  );
}
