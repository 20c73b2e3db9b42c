import { CircleCheck, CirclePause, ShieldQuestion } from 'lucide-react';
import { Badge } from '@/components/ui/badge';
import type { PluginStatus } from '@/lib/settings/model';

export const STATUS_LABELS: Record<PluginStatus, string> = {
  pending_consent: 'Waiting for your consent',
  enabled: 'Enabled',
  disabled: 'Disabled',
};

export function PluginStatusBadge({ status }: { status: PluginStatus }) {
  if (status === 'enabled')
    return (
      <Badge className="border-emerald-600/40 text-emerald-700 dark:text-emerald-400">
        <CircleCheck className="mr-1 size-3" aria-hidden="true" /> {STATUS_LABELS.enabled}
      </Badge>
    );
  if (status === 'pending_consent')
    return (
      <Badge className="border-amber-600/50 text-amber-800 dark:text-amber-300">
        <ShieldQuestion className="mr-1 size-3" aria-hidden="true" /> {STATUS_LABELS.pending_consent}
      </Badge>
    );
  return (
    <Badge>
      <CirclePause className="mr-1 size-3" aria-hidden="true" /> {STATUS_LABELS.disabled}
    </Badge>
  );
}
