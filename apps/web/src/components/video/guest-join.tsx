'use client';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { guestVideoTokenAction } from '@/lib/actions/calls';
import type { GuestToken } from '@/lib/calls';
import { VideoCall } from './video-call';

/** A guest's way into a video call: their name, then the call (no account). */
export function GuestJoin({ token }: { token: string }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<{ message: string; name: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [joined, setJoined] = useState<GuestToken | null>(null);

  if (joined)
    return (
      <div className="grid gap-4">
        <h1 className="text-xl font-semibold">Video call with {joined.hostName ?? 'your host'}</h1>
        <VideoCall token={joined.token} room={joined.room} hostName={joined.hostName} onLeave={() => undefined} />
      </div>
    );

  return (
    <form
      className="grid gap-4"
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        setError(null);
        const result = await guestVideoTokenAction(token, name);
        setBusy(false);
        if (result.ok) setJoined(result.data);
        // The link's own failures (ended, expired, unreachable) are not the name's fault.
        else setError({ message: result.error, name: result.code === undefined });
      }}
    >
      <h1 className="text-xl font-semibold">Join a video call</h1>
      <p className="text-sm text-muted-foreground">
        You were invited to a video call. Your camera and microphone are used once you join.
      </p>
      <div className="grid gap-1.5">
        <Label htmlFor="guest-name">Your name</Label>
        <Input
          id="guest-name"
          autoComplete="name"
          maxLength={60}
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-invalid={error?.name ? true : undefined}
          aria-describedby={error?.name ? 'guest-error' : undefined}
          required
        />
      </div>
      {error && (
        <p id="guest-error" role="alert" className="text-sm text-destructive">
          {error.message}
        </p>
      )}
      <Button type="submit" disabled={busy}>
        {busy ? 'Joining…' : 'Join the call'}
      </Button>
    </form>
  );
}
