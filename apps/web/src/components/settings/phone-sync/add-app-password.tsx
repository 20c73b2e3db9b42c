'use client';
import { LoaderCircle } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { createAppPasswordAction } from '@/lib/actions/dav';

/** Makes an app password for one phone and shows it once, with the user name to pair it with. */
export function AddAppPassword({ username }: { username: string }) {
  const [name, setName] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const [made, setMade] = useState<{ name: string; password: string }>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(undefined);
    const result = await createAppPasswordAction(name);
    setPending(false);
    if (!result.ok) return setError(result.error);
    setMade(result.data);
    setName('');
  }

  return (
    <div className="grid gap-4">
      <form onSubmit={submit} aria-label="Make an app password" className="flex flex-wrap items-end gap-3">
        <div className="grid gap-1.5">
          <Label htmlFor="app-password-name">Phone or app</Label>
          <Input
            id="app-password-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={100}
            placeholder="Ann’s iPhone"
            className="w-56"
          />
        </div>
        <Button type="submit" disabled={pending}>
          {pending && <LoaderCircle className="animate-spin" aria-hidden />}
          Make app password
        </Button>
      </form>
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
      {made && (
        <section
          aria-label={`App password for ${made.name}`}
          className="grid gap-2 rounded-lg border border-border bg-muted/40 p-4 text-sm"
        >
          <p>
            Password:{' '}
            <strong className="font-mono text-lg tracking-wide [overflow-wrap:anywhere] sm:text-xl">
              {made.password}
            </strong>
          </p>
          <p>
            User name: <code className="break-all">{username}</code>
          </p>
          <p className="text-muted-foreground">
            Enter it on {made.name} now: it is shown only this once. The hub keeps only a fingerprint of it; revoke it
            below when the phone is lost or sold.
          </p>
        </section>
      )}
    </div>
  );
}
