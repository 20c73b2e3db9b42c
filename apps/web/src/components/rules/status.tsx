import { cn } from '@/lib/utils';

/** A run's or a trace entry's status in words, coloured by how it went. */
const tone: Record<string, string> = {
  succeeded: 'border-emerald-600/40 text-emerald-700 dark:text-emerald-400',
  ok: 'border-emerald-600/40 text-emerald-700 dark:text-emerald-400',
  true: 'border-emerald-600/40 text-emerald-700 dark:text-emerald-400',
  simulated: 'border-sky-600/40 text-sky-700 dark:text-sky-400',
  failed: 'border-destructive/50 text-destructive',
  error: 'border-destructive/50 text-destructive',
  false: 'border-amber-600/40 text-amber-700 dark:text-amber-400',
  skipped: 'border-amber-600/40 text-amber-700 dark:text-amber-400',
  rate_limited: 'border-amber-600/40 text-amber-700 dark:text-amber-400',
};

export function StatusBadge({ status, className }: { status: string; className?: string }) {
  return (
    <span
      className={cn(
        'inline-flex items-center rounded-full border border-border px-2 py-0.5 text-xs font-medium',
        tone[status] ?? 'text-muted-foreground',
        className,
      )}
    >
      {status.replace('_', ' ')}
    </span>
  );
}
