'use client';
import type { RemoteParticipant, RemoteTrack } from 'twilio-video';
import { useEffect, useRef, useState } from 'react';

/** One remote participant: their camera (and sound) attached while subscribed. */
export function ParticipantTile({ participant, name }: { participant: RemoteParticipant; name: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [hasVideo, setHasVideo] = useState(false);

  useEffect(() => {
    const attached = new Map<RemoteTrack, HTMLElement>();
    const attach = (track: RemoteTrack) => {
      if (track.kind !== 'video' && track.kind !== 'audio') return;
      const element = track.attach();
      element.className = 'h-full w-full object-cover';
      box.current?.appendChild(element);
      attached.set(track, element);
      if (track.kind === 'video') setHasVideo(true);
    };
    const detach = (track: RemoteTrack) => {
      if (track.kind !== 'video' && track.kind !== 'audio') return;
      track.detach().forEach((element) => element.remove());
      attached.delete(track);
      if (track.kind === 'video') setHasVideo([...attached.keys()].some((t) => t.kind === 'video'));
    };
    participant.tracks.forEach((publication) => publication.track && attach(publication.track));
    participant.on('trackSubscribed', attach);
    participant.on('trackUnsubscribed', detach);
    return () => {
      participant.off('trackSubscribed', attach);
      participant.off('trackUnsubscribed', detach);
      for (const track of [...attached.keys()]) detach(track);
    };
  }, [participant]);

  return (
    <figure className="relative aspect-video overflow-hidden rounded-lg bg-muted">
      <div ref={box} className="h-full w-full" />
      {!hasVideo && (
        <p className="absolute inset-0 grid place-items-center text-sm text-muted-foreground">Camera off</p>
      )}
      <figcaption className="absolute bottom-2 left-2 rounded bg-background/80 px-2 py-0.5 text-sm">{name}</figcaption>
    </figure>
  );
}
