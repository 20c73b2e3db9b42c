'use client';
import { useId, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { nameVisitPlaceAction } from '@/lib/actions/devices';

/**
 * "Name this place" for a visit outside every place: a place entity is made at the visit's
 * centre, and the page is read again with it (other visits there get the name too).
 */
export function NamePlace({ visitId, when }: { visitId: string; when: string }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const inputId = useId();

  if (!open) {
    return (
      <Button
        type="button"
        variant="outline"
        size="sm"
        className="justify-self-start"
        onClick={() => setOpen(true)}
        aria-label={`Name the place of ${when}`}
      >
        Name this place
      </Button>
    );
  }

  async function save(event: React.FormEvent) {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    const result = await nameVisitPlaceAction(visitId, name);
    setSaving(false);
    if (!result.ok) return setError(result.error);
    setOpen(false);
  }

  return (
    <form onSubmit={save} className="flex flex-wrap items-end gap-2" aria-label={`Name the place of ${when}`}>
      <div className="grid gap-1">
        <label htmlFor={inputId} className="text-xs font-medium">
          Place name
        </label>
        <Input
          id={inputId}
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={200}
          autoFocus
          required
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${inputId}-error` : undefined}
          className="h-9 w-48"
        />
      </div>
      <Button type="submit" size="sm" disabled={saving}>
        {saving ? 'Saving…' : 'Save'}
      </Button>
      <Button type="button" variant="ghost" size="sm" onClick={() => setOpen(false)}>
        Cancel
      </Button>
      {error && (
        <p id={`${inputId}-error`} role="alert" className="basis-full text-sm text-destructive">
          {error}
        </p>
      )}
    </form>
  );
}
