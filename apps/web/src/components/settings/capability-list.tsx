import { Bot, Calendar, Cpu, Mail, MessageSquare, Phone, Plus, Users, Video, type LucideIcon } from 'lucide-react';
import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { buttonVariants } from '@/components/ui/button';
import { CAPABILITIES_BY_TYPE, CREDENTIAL_TYPE_ORDER, CREDENTIAL_TYPES } from '@/lib/settings/credentials';
import type { Capability, CapabilityName, CredentialView } from '@/lib/settings/model';
import { CAPABILITIES } from '@/lib/settings/permissions';
import { cn } from '@/lib/utils';

const ICONS: Record<CapabilityName, LucideIcon> = {
  sms: MessageSquare,
  voice: Phone,
  video: Video,
  'ai.cloud': Bot,
  'ai.local': Cpu,
  email: Mail,
  calendar: Calendar,
  contacts: Users,
};

/** Each capability, on or off, and why: the credentials that switch it on, or the one to add. */
export function CapabilityList({
  capabilities,
  credentials,
}: {
  capabilities: Capability[];
  credentials: CredentialView[];
}) {
  return (
    <ul className="grid gap-3 md:grid-cols-2" aria-label="Capabilities">
      {capabilities.map((cap) => {
        const info = CAPABILITIES[cap.name];
        const Icon = ICONS[cap.name];
        const enabling = CREDENTIAL_TYPE_ORDER.filter((t) => CAPABILITIES_BY_TYPE[t].includes(cap.name));
        const names = credentials.filter((c) => cap.providedBy.includes(c.type)).map((c) => `“${c.name}”`);
        const headingId = `capability-${cap.name.replace('.', '-')}`;
        return (
          <li
            key={cap.name}
            aria-labelledby={headingId}
            className={cn('flex gap-3 rounded-lg border border-border p-4', cap.enabled ? 'bg-card' : 'bg-muted/40')}
          >
            <Icon
              className={cn('mt-0.5 size-5 shrink-0', cap.enabled ? 'text-primary' : 'text-muted-foreground')}
              aria-hidden="true"
            />
            <div className="min-w-0 flex-1">
              <div className="flex flex-wrap items-center gap-2">
                <h2 id={headingId} className="font-semibold">
                  {info.label}
                </h2>
                {cap.enabled ? (
                  <Badge className="border-emerald-600/40 text-emerald-700 dark:text-emerald-400">On</Badge>
                ) : (
                  <Badge>Off</Badge>
                )}
              </div>
              <p className="mt-1 text-sm text-muted-foreground">{info.description}</p>
              <p className="mt-2 text-sm">
                {cap.enabled
                  ? `On because your wallet holds ${cap.providedBy.map((t) => CREDENTIAL_TYPES[t].label).join(' and ')} ${names.length === 1 ? 'credential' : 'credentials'} ${names.join(', ')}.`
                  : `Needs ${enabling.map((t) => CREDENTIAL_TYPES[t].noun).join(' or ')}.`}
              </p>
              {!cap.enabled && (
                <div className="mt-3 flex flex-wrap gap-2">
                  {enabling.map((t) => (
                    <Link
                      key={t}
                      href={`/settings/credentials?add=${t}`}
                      className={buttonVariants({ variant: 'outline', size: 'sm' })}
                    >
                      <Plus aria-hidden="true" /> Add {CREDENTIAL_TYPES[t].label}
                    </Link>
                  ))}
                </div>
              )}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
