import { Waypoints } from 'lucide-react';
import type { Metadata } from 'next';
import { GuestJoin } from '@/components/video/guest-join';

export const metadata: Metadata = { title: 'Join a video call', robots: { index: false, follow: false } };

/** /video/join/<token>: a guest link (no sign-in). The token is checked by the hub when the guest joins. */
export default async function GuestJoinPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  return (
    <main className="mx-auto grid min-h-dvh w-full max-w-4xl content-start gap-6 px-4 py-8">
      <div className="flex items-center gap-2 text-lg font-semibold">
        <Waypoints className="size-6 text-primary" aria-hidden="true" />
        Made Open
      </div>
      <div className="w-full max-w-sm justify-self-center [&:has(section)]:max-w-none">
        <GuestJoin token={token.slice(0, 100)} />
      </div>
    </main>
  );
}
