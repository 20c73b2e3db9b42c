'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useState } from 'react';
import { CallControls, CallElsewhere, CallStatusLine } from './call-controls';
import { Keypad } from './keypad';
import { useVoice } from './voice-context';

/**
 * The call this tab is on, at the bottom of every page but /calls (whose dialer has the full
 * controls): who, the timer, mute, keypad (tones) and hang up. It lives in the shell, so moving
 * to another page keeps the call. A call held by another tab of the browser (an incoming call
 * answered in the tab that rings, or a call placed from any tab) shows here in every tab, its
 * controls relayed to the tab that holds it (ring-coordination.ts).
 */
export function InCallBar() {
  const { active, setMuted, sendDigit, hangUp } = useVoice();
  const pathname = usePathname();
  const [showKeys, setShowKeys] = useState(false);
  if (!active || pathname === '/calls') return null;
  return (
    <section
      aria-label="Current call"
      className="sticky bottom-0 z-40 border-t border-border bg-background/95 backdrop-blur"
    >
      <div className="mx-auto max-w-6xl px-3 py-2 sm:px-6">
        {showKeys && active.phase === 'in-call' && (
          <div className="mx-auto mb-2 max-w-xs">
            <Keypad label="Keypad (sends tones)" onPress={sendDigit} compact />
            {active.digits && (
              <p className="mt-1 text-center font-mono text-sm" aria-label="Tones sent">
                {active.digits}
              </p>
            )}
          </div>
        )}
        <div className="flex flex-wrap items-center justify-between gap-2">
          <div className="min-w-0">
            <CallStatusLine active={active} className="truncate text-sm font-medium" />
            <CallElsewhere active={active} />
            <Link href="/calls" className="text-xs text-primary underline-offset-4 hover:underline">
              Open the dialer
            </Link>
          </div>
          <div className="ml-auto">
            <CallControls
              active={active}
              showKeys={showKeys}
              onToggleKeys={() => setShowKeys((s) => !s)}
              onMute={setMuted}
              onHangUp={() => {
                setShowKeys(false);
                hangUp();
              }}
              compact
            />
          </div>
        </div>
      </div>
    </section>
  );
}
