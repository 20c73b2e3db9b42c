'use client';
import { LoaderCircle } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { createDeviceAction } from '@/lib/actions/devices';
import type { Pairing } from '@/lib/devices';
import { PairingPanel } from './pairing-panel';

const kinds = [
  { value: 'agent', label: 'Desktop agent (made-open-agent)' },
  { value: 'owntracks', label: 'OwnTracks (Android, iOS)' },
  { value: 'phone', label: 'Phone app' },
  { value: 'other', label: 'Other' },
];

/** Adds a device and shows its one-time pairing code with a QR code. */
export function AddDevice() {
  const [name, setName] = useState('');
  const [kind, setKind] = useState('agent');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const [made, setMade] = useState<{ pairing: Pairing; name: string }>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(undefined);
    const result = await createDeviceAction(name, kind);
    setPending(false);
    if (!result.ok) return setError(result.error);
    setMade({ pairing: result.data, name: name.trim() });
    setName('');
  }

  return (
    <div className="grid gap-4">
      <form onSubmit={submit} aria-label="Add a device" className="flex flex-wrap items-end gap-3">
        <div className="grid gap-1.5">
          <Label htmlFor="device-name">Device name</Label>
          <Input
            id="device-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={100}
            placeholder="Work laptop"
            className="w-56"
          />
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="device-kind">Kind</Label>
          <select
            id="device-kind"
            value={kind}
            onChange={(e) => setKind(e.target.value)}
            className="h-9 rounded-md border border-input bg-background px-3 text-sm"
          >
            {kinds.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </select>
        </div>
        <Button type="submit" disabled={pending}>
          {pending && <LoaderCircle className="animate-spin" aria-hidden />}
          Add device
        </Button>
      </form>
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
      {made && <PairingPanel pairing={made.pairing} name={made.name} />}
    </div>
  );
}
