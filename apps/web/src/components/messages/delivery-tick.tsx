import { AlertCircle, Check, CheckCheck, Clock } from 'lucide-react';
import { tickLabel, tickOf } from '@/lib/messages/model';
import { cn } from '@/lib/utils';

/** An outbound message's delivery: queued (clock), sent (tick), delivered (two ticks), failed. */
export function DeliveryTick({ status }: { status: string | null }) {
  const tick = tickOf(status);
  const Icon = { queued: Clock, sent: Check, delivered: CheckCheck, failed: AlertCircle, received: Check }[tick];
  return (
    <span className={cn('inline-flex items-center gap-1', tick === 'failed' && 'font-medium text-destructive')}>
      <Icon className="size-3.5" aria-hidden="true" />
      {tickLabel[tick]}
    </span>
  );
}
