import { Waypoints } from 'lucide-react';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { CommandPalette } from '@/components/shell/command-palette';
import { MainNav } from '@/components/shell/main-nav';
import { UserMenu } from '@/components/shell/user-menu';
import { LiveUpdates, type RealtimeConfig } from '@/components/shell/live-updates';
import { PendingDeletesProvider } from '@/components/shell/pending-deletes';
import { SignInNotices } from '@/components/shell/sign-in-notices';
import { SignInAgainNotices } from '@/components/shell/sign-in-again';
import type { SignInAgain } from '@/lib/connections/shell';
import { InCallBar } from '@/components/calls/in-call-bar';
import { IncomingCallAlert } from '@/components/calls/incoming-call-banner';
import { VoiceProvider } from '@/components/calls/voice-provider';

export function AppShell({
  email,
  voice,
  signInAgain,
  realtime,
  children,
}: {
  email: string;
  /** The user has a Twilio number that takes calls: every page rings for them. */
  voice: boolean;
  /** Connections whose sign-in was refused: said on every page until signed in again. */
  signInAgain: SignInAgain[];
  realtime: RealtimeConfig | null;
  children: ReactNode;
}) {
  return (
    <VoiceProvider available={voice}>
      <div className="flex min-h-dvh flex-col">
        <a
          href="#main"
          className="sr-only z-50 rounded-md bg-primary px-3 py-2 text-primary-foreground focus:not-sr-only focus:fixed focus:left-2 focus:top-2"
        >
          Skip to content
        </a>
        {/* First in the page's order, so Tab from the top reaches Answer at once. */}
        <IncomingCallAlert />
        <header className="sticky top-0 z-40 border-b border-border bg-background/95 backdrop-blur">
          <div className="mx-auto flex h-14 max-w-6xl items-center gap-2 px-3 sm:gap-4 sm:px-6">
            <Link href="/" className="flex items-center gap-2 rounded-md font-semibold">
              <Waypoints className="size-5 text-primary" aria-hidden="true" />
              <span className="hidden sm:inline">Made Open</span>
              <span className="sr-only sm:hidden">Made Open home</span>
            </Link>
            <MainNav />
            <div className="ml-auto flex items-center gap-1 sm:gap-2">
              <CommandPalette />
              <UserMenu email={email} />
            </div>
          </div>
        </header>
        <SignInAgainNotices connections={signInAgain} />
        <main id="main" tabIndex={-1} className="mx-auto w-full max-w-6xl flex-1 px-3 py-6 outline-none sm:px-6">
          <PendingDeletesProvider>{children}</PendingDeletesProvider>
        </main>
        <InCallBar />
        {realtime && <LiveUpdates config={realtime} />}
        {realtime && <SignInNotices config={realtime} />}
      </div>
    </VoiceProvider>
  );
}
