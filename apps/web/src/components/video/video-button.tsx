import { Video } from 'lucide-react';
import Link from 'next/link';
import { Button } from '@/components/ui/button';
import { HubError } from '@/lib/errors';
import { listCapabilities } from '@/lib/settings/api';

/** "Video" on a contact page: a room for a call with this person, only while the video capability is on. */
export async function VideoButton({ personId, name }: { personId: string; name: string }) {
  const video = await listCapabilities()
    .then((all) => all.find((capability) => capability.name === 'video'))
    .catch((error: unknown) => {
      if (error instanceof HubError) return undefined; // the rest of the page says what is wrong
      throw error;
    });
  if (!video?.enabled) return null;
  return (
    <Button asChild variant="outline">
      <Link href={`/calls/video?person=${personId}`} aria-label={`Video call ${name}`}>
        <Video aria-hidden="true" /> Video
      </Link>
    </Button>
  );
}
