'use client';
import type { LocalAudioTrack, LocalVideoTrack, RemoteParticipant, Room } from 'twilio-video';
import { Mic, MicOff, PhoneOff, Video, VideoOff } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { formatDuration } from '@/components/calls/format';
import { Button } from '@/components/ui/button';
import { ParticipantTile } from './participant-tile';
import { participantName } from './participant-name';

/** How long the browser waits for Twilio to open the room before saying it could not. */
const CONNECT_TIMEOUT_MS = 20_000;

type Phase =
  { kind: 'connecting' } | { kind: 'in-call'; since: number } | { kind: 'error'; message: string } | { kind: 'left' };

/** What went wrong, in words: twilio-video's TwilioError carries a code and a message. */
function describe(error: unknown): string {
  const e = error as { code?: number; message?: string; name?: string } | undefined;
  if (e?.name === 'NotAllowedError' || e?.name === 'NotFoundError')
    return 'This browser may not use the camera or microphone. Allow them for this site (the icon by the address) and reload.';
  const detail = e?.message || 'no answer';
  return `Could not reach Twilio to open the video room${e?.code ? ` (error ${e.code})` : ''}: ${detail}. Check this device's internet connection, then reload to try again.`;
}

/**
 * A video call in one Twilio room: twilio-video (imported here only, so no other page loads
 * it), the local camera preview, every remote participant, and mute, camera off, leave and a
 * timer. `hostName` names the host for a guest; guests are named from their identity.
 */
export function VideoCall({
  token,
  room: roomName,
  hostName,
  onLeave,
}: {
  token: string;
  room: string;
  hostName: string | null;
  onLeave: () => void | Promise<void>;
}) {
  const preview = useRef<HTMLDivElement>(null);
  const room = useRef<Room | null>(null);
  const tracks = useRef<{ audio?: LocalAudioTrack; video?: LocalVideoTrack }>({});
  const [phase, setPhase] = useState<Phase>({ kind: 'connecting' });
  const [participants, setParticipants] = useState<RemoteParticipant[]>([]);
  const [muted, setMuted] = useState(false);
  const [cameraOff, setCameraOff] = useState(false);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    (async () => {
      try {
        const Video = await import('twilio-video');
        const local = await Video.createLocalTracks({ audio: true, video: { width: 640 } });
        if (cancelled) return local.forEach((track) => 'stop' in track && track.stop());
        for (const track of local) {
          if (track.kind === 'audio') tracks.current.audio = track;
          if (track.kind === 'video') {
            tracks.current.video = track;
            const element = track.attach();
            element.className = 'h-full w-full -scale-x-100 object-cover';
            element.setAttribute('aria-label', 'Your camera');
            preview.current?.replaceChildren(element);
          }
        }
        const connecting = Video.connect(token, { name: roomName, tracks: local });
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            connecting.cancel?.();
            reject(new Error('no answer within 20 seconds'));
          }, CONNECT_TIMEOUT_MS);
        });
        const joined = await Promise.race([connecting, timeout]);
        clearTimeout(timer);
        if (cancelled) return joined.disconnect();
        room.current = joined;
        const refresh = () => setParticipants([...joined.participants.values()]);
        refresh();
        joined.on('participantConnected', refresh);
        joined.on('participantDisconnected', refresh);
        joined.on('disconnected', (_: Room, error?: unknown) => {
          if (error) setPhase({ kind: 'error', message: describe(error) });
        });
        setPhase({ kind: 'in-call', since: Date.now() });
      } catch (error) {
        clearTimeout(timer);
        if (!cancelled) setPhase({ kind: 'error', message: describe(error) });
      }
    })();
    return () => {
      cancelled = true;
      clearTimeout(timer);
      room.current?.disconnect();
      tracks.current.audio?.stop();
      tracks.current.video?.stop();
    };
  }, [token, roomName]);

  useEffect(() => {
    if (phase.kind !== 'in-call') return;
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, [phase.kind]);

  async function leave() {
    room.current?.disconnect();
    room.current = null;
    tracks.current.audio?.stop();
    tracks.current.video?.stop();
    setPhase({ kind: 'left' });
    await onLeave();
  }

  if (phase.kind === 'left') return <p role="status">You left the call.</p>;

  return (
    <section aria-label="Video call" className="grid gap-4">
      <p aria-live="polite" className="text-sm">
        {phase.kind === 'connecting' && 'Connecting to the video room…'}
        {phase.kind === 'error' && 'Not connected.'}
        {phase.kind === 'in-call' && (
          <>
            In the call{' '}
            <span role="timer" aria-label="Call length" className="font-mono tabular-nums">
              {formatDuration((now - phase.since) / 1000)}
            </span>
          </>
        )}
      </p>
      {phase.kind === 'error' && (
        <div role="alert" className="rounded-md border border-destructive/50 p-3 text-sm">
          <p className="font-medium">The video call did not start.</p>
          <p className="mt-1 text-muted-foreground">{phase.message}</p>
        </div>
      )}
      <div className="grid gap-3 sm:grid-cols-2">
        <figure className="relative aspect-video overflow-hidden rounded-lg bg-muted">
          <div ref={preview} className="h-full w-full" />
          {cameraOff && (
            <p className="absolute inset-0 grid place-items-center text-sm text-muted-foreground">Camera off</p>
          )}
          <figcaption className="absolute bottom-2 left-2 rounded bg-background/80 px-2 py-0.5 text-sm">You</figcaption>
        </figure>
        {participants.map((participant) => (
          <ParticipantTile
            key={participant.sid}
            participant={participant}
            name={participantName(participant.identity, hostName)}
          />
        ))}
      </div>
      {phase.kind === 'in-call' && participants.length === 0 && (
        <p className="text-sm text-muted-foreground">Waiting for the other person to join…</p>
      )}
      <div className="flex flex-wrap justify-center gap-3">
        <Button
          variant="outline"
          size="lg"
          className="aria-pressed:bg-muted aria-pressed:ring-2 aria-pressed:ring-ring"
          aria-pressed={muted}
          onClick={() => {
            const next = !muted;
            if (next) tracks.current.audio?.disable();
            else tracks.current.audio?.enable();
            setMuted(next);
          }}
        >
          {muted ? <MicOff aria-hidden="true" /> : <Mic aria-hidden="true" />} Mute
        </Button>
        <Button
          variant="outline"
          size="lg"
          className="aria-pressed:bg-muted aria-pressed:ring-2 aria-pressed:ring-ring"
          aria-pressed={cameraOff}
          onClick={() => {
            const next = !cameraOff;
            if (next) tracks.current.video?.disable();
            else tracks.current.video?.enable();
            setCameraOff(next);
          }}
        >
          {cameraOff ? <VideoOff aria-hidden="true" /> : <Video aria-hidden="true" />} Camera off
        </Button>
        <Button variant="destructive" size="lg" onClick={leave}>
          <PhoneOff aria-hidden="true" /> Leave
        </Button>
      </div>
    </section>
  );
}
