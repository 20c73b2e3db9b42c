import {
  Bot,
  Calendar,
  Cpu,
  Mail,
  MessageSquare,
  Phone,
  PlugZap,
  Plus,
  Users,
  Video,
  type LucideIcon,
} from 'lucide-react';
import Link from 'next/link';
import { providerRegistry } from '@made-open/shared/providers';
import { Badge } from '@/components/ui/badge';
import { buttonVariants } from '@/components/ui/button';
import { providerLabel } from '@/lib/settings/credentials';
import type { Capability, CredentialView } from '@/lib/settings/model';
import { capabilityInfo } from '@/lib/settings/permissions';
import { cn } from '@/lib/utils';

/** Icons for the capabilities the built-in providers declare; a new one gets the plug. */
const ICONS: Record<string, LucideIcon> = {
  sms: MessageSquare,
  voice: Phone,
  video: Video,
  'ai.cloud': Bot,
  'ai.local': Cpu,
  email: Mail,
  calendar: Calendar,
  contacts: Users,
};

/** Why it is on (the tested credentials behind it), or the hub's reason it is off and what to do. */
function Explanation({ cap, credentials }: { cap: Capability; credentials: CredentialView[] }) {
  if (cap.enabled) {
    const names = credentials
      .filter((c) => cap.providedBy.includes(c.type) && c.lastTestOk === true)
      .map((c) => `“${c.name}”`);
    const labels = cap.providedBy.map(providerLabel).join(' and ');
    return (
      <p className="mt-2 text-sm">
        {`On because your wallet holds ${labels} ${names.length === 1 ? 'credential' : 'credentials'} ${names.join(', ')}, tested.`}
      </p>
    );
  }
  return (
    <>
      <p className="mt-2 text-sm">{cap.reason}</p>
      {cap.state === 'needs_credential' && (
        <div className="mt-3 flex flex-wrap gap-2">
          {providerRegistry.providersOf(cap.name).map((p) => (
            <Link
              key={p.id}
              href={`/settings/credentials?add=${p.id}`}
              className={buttonVariants({ variant: 'outline', size: 'sm' })}
            >
              <Plus aria-hidden="true" /> Add {p.label}
            </Link>
          ))}
        </div>
      )}
      {(cap.state === 'not_tested' || cap.state === 'test_failed') && (
        <div className="mt-3">
          <Link href="/settings/credentials" className={buttonVariants({ variant: 'outline', size: 'sm' })}>
            Test in Credentials
          </Link>
        </div>
      )}
    </>
  );
}

/** Each capability, on or off, and why. Texts come from the providers that declare them. */
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
        const info = capabilityInfo(cap.name);
        const Icon = ICONS[cap.name] ?? PlugZap;
        const headingId = `capability-${cap.name.replace(/\./g, '-')}`;
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
              {info.description && <p className="mt-1 text-sm text-muted-foreground">{info.description}</p>}
              <Explanation cap={cap} credentials={credentials} />
            </div>
          </li>
        );
      })}
    </ul>
  );
}
