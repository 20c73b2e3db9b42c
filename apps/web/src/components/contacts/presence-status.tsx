import { cn } from '@/lib/utils';
import type { PersonPresence } from '@/lib/presence';

const toneClass: Record<PersonPresence['tone'], string> = {
  available: 'bg-emerald-600',
  busy: 'bg-red-600',
  away: 'bg-amber-500',
  offline: 'border-2 border-muted-foreground bg-transparent',
};

/**
 * A person's Teams presence (Microsoft 365 work accounts): a small dot and the words
 * ("Available", "In a meeting" …). The words carry the meaning, so colour is never the
 * only signal; screen readers hear "Teams presence: Busy".
 */
export function PresenceStatus({ presence }: { presence: PersonPresence }) {
  return (
    <p className="flex items-center gap-1.5 text-sm text-muted-foreground" data-testid="presence">
      <span
        className={cn('inline-block size-2.5 shrink-0 rounded-full', toneClass[presence.tone])}
        aria-hidden="true"
      />
      <span className="sr-only">Teams presence: </span>
      <span>{presence.label}</span>
    </p>
  );
}
