'use client';
import { useState } from 'react';
import { ConfirmAction } from '@/components/ui/confirm-action';
import { revokeAppPasswordAction } from '@/lib/actions/dav';

/** Revoke, after a second press: the phone using it is refused from its next sync. */
export function RevokeAppPassword({ id, name }: { id: string; name: string }) {
  const [error, setError] = useState<string>();

  async function revoke() {
    setError(undefined);
    const result = await revokeAppPasswordAction(id);
    if (!result.ok) setError(result.error);
  }

  return (
    <div className="flex flex-wrap items-center gap-2">
      <ConfirmAction label="Revoke" confirmLabel="Revoke now" subject={name} onConfirm={revoke} />
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
    </div>
  );
}
