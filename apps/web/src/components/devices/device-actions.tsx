'use client';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { ConfirmAction } from '@/components/ui/confirm-action';
import { newPairingCodeAction, revokeDeviceAction } from '@/lib/actions/devices';
import type { Pairing } from '@/lib/devices';
import { PairingPanel } from './pairing-panel';

/** A device's buttons: a new pairing code (pending or active ones) and revoke, which asks first. */
export function DeviceActions({ id, name, revoked }: { id: string; name: string; revoked: boolean }) {
  const [pairing, setPairing] = useState<Pairing>();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  if (revoked) return null;

  async function code() {
    setError(undefined);
    const result = await newPairingCodeAction(id);
    if (!result.ok) return setError(result.error);
    setPairing(result.data);
  }
  async function revoke() {
    setError(undefined);
    const result = await revokeDeviceAction(id);
    if (!result.ok) setError(result.error);
  }

  return (
    <div className="grid gap-3">
      <div className="flex flex-wrap gap-2">
        <Button type="button" variant="outline" size="sm" onClick={code}>
          New pairing code
        </Button>
        <ConfirmAction
          label="Revoke"
          confirmLabel="Revoke now"
          subject={name}
          onConfirm={revoke}
          onConfirmingChange={setConfirming}
        />
      </div>
      {confirming && (
        <p role="status" className="text-sm">
          {name} will stop uploading at once. Its events stay until retention removes them.
        </p>
      )}
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
      {pairing && <PairingPanel pairing={pairing} name={name} />}
    </div>
  );
}
