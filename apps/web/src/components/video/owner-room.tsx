'use client';
import { Copy, MessageSquare } from 'lucide-react';
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { endVideoRoomAction, videoTokenAction } from '@/lib/actions/calls';
import { sendMessageAction } from '@/lib/actions/messages';
import type { VideoRoom } from '@/lib/calls';
import { VideoCall } from './video-call';

/**
 * The owner's side of a video call with a contact: opens a new room (its token and guest link
 * from the hub), the call itself, and the invitation (copy, or text it when a number is connected).
 * Leaving ends the room, so the guest link stops working.
 */
export function OwnerRoom({ personId, name, canText }: { personId: string; name: string; canText: boolean }) {
  const [room, setRoom] = useState<VideoRoom | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [ended, setEnded] = useState(false);
  const [note, setNote] = useState('');
  const opened = useRef(false);
  const sendKey = useRef<string | null>(null);

  useEffect(() => {
    if (opened.current) return; // one room per visit
    opened.current = true;
    void videoTokenAction(personId).then((result) => (result.ok ? setRoom(result.data) : setFailed(result.error)));
  }, [personId]);

  if (failed)
    return (
      <div role="alert" className="rounded-md border border-destructive/50 p-3 text-sm">
        <p className="font-medium">Could not open a video room.</p>
        <p className="mt-1 text-muted-foreground">{failed}</p>
      </div>
    );
  if (!room) return <p role="status">Opening a video room…</p>;
  if (ended)
    return (
      <div role="status" className="grid gap-2 text-sm">
        <p>The call has ended and the invitation link no longer works.</p>
        <Link className="text-primary underline-offset-4 hover:underline" href={`/contacts/${personId}`}>
          Back to {name}
        </Link>
      </div>
    );

  const link = `${window.location.origin}${room.guest.path}`;
  const until = new Date(room.guest.expiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

  async function textLink() {
    sendKey.current ??= crypto.randomUUID();
    setNote('Sending…');
    const sent = await sendMessageAction(
      { to: personId, body: `Join my video call: ${link} (works until ${until})` },
      sendKey.current,
    );
    setNote(sent.ok ? `Texted the link to ${name}.` : sent.error);
  }

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
      <VideoCall
        token={room.token}
        room={room.room}
        hostName={null}
        onLeave={async () => {
          const result = await endVideoRoomAction(room.room);
          if (!result.ok) setNote(result.error);
          setEnded(true);
        }}
      />
      <section aria-labelledby="invite-heading" className="grid h-fit gap-3 rounded-lg border p-4">
        <h2 id="invite-heading" className="font-semibold">
          Invite {name}
        </h2>
        <p className="text-sm text-muted-foreground">
          {name} joins from this link in a browser, without an account. It works for this call only, until {until} or
          until you leave.
        </p>
        <div className="grid gap-1.5">
          <Label htmlFor="guest-link">Invitation link</Label>
          <Input id="guest-link" readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
        </div>
        <div className="flex flex-wrap gap-2">
          <Button
            variant="outline"
            onClick={async () => {
              try {
                await navigator.clipboard.writeText(link);
                setNote('Link copied.');
              } catch {
                setNote('Could not copy: select the link and copy it.');
              }
            }}
          >
            <Copy aria-hidden="true" /> Copy
          </Button>
          {canText && (
            <Button variant="outline" onClick={textLink}>
              <MessageSquare aria-hidden="true" /> Text the link
            </Button>
          )}
        </div>
        <p aria-live="polite" className="text-sm">
          {note}
        </p>
      </section>
    </div>
  );
}
