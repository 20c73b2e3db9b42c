'use client';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { revokeAppPasswordAction } from '@/lib/actions/dav';

/** Revoke, after a second press: the phone using it is refused from its next sync. */
export function RevokeAppPassword({ id, name }: { id: string; name: string }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();

  async function revoke() {
    setError(undefined);
    const result = await revokeAppPasswordAction(id);
    if (!result.ok) setError(result.error);
    setConfirming(false);
  }

  return (
    <div className="flex flex-wrap items-center gap-2">
      {confirming ? (
        <>
          <Button type="button" variant="destructive" size="sm" onClick={revoke} aria-label={`Revoke ${name} now`}>
            Revoke now
          </Button>
          <Button type="button" variant="ghost" size="sm" onClick={() => setConfirming(false)}>
            Keep it
          </Button>
        </>
      ) : (
        <Button
          type="button"
          variant="outline"
          size="sm"
          onClick={() => setConfirming(true)}
          aria-label={`Revoke ${name}`}
        >
          Revoke
        </Button>
      )}
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
    </div>
  );
}
