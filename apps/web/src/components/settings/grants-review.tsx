'use client';
import { ShieldCheck, ShieldOff } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { PluginStatusBadge } from '@/components/settings/plugins/plugin-status';
import { Button } from '@/components/ui/button';
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogTitle,
  AlertDialogTrigger,
} from '@/components/ui/dialog';
import { useToast } from '@/components/ui/toast';
import { principalLabels, type PrincipalKind } from '@made-open/shared/principals';
import { providerRegistry } from '@made-open/shared/providers';
import { revokeGrantAction, revokePrincipalGrantAction } from '@/lib/actions/settings';
import type { Grant, PluginView } from '@/lib/settings/model';
import { describePermission } from '@/lib/settings/permissions';
import { LocalTime } from '@/components/ui/local-time';

export interface PluginGrants {
  plugin: PluginView;
  grants: Grant[];
}

/** A rule, connector or assistant and what it holds (GET /api/v1/grants). */
export interface PrincipalGrants {
  kind: PrincipalKind;
  id: string;
  grants: Grant[];
}

type OtherKind = 'rule' | 'connector' | 'ai';
const otherKinds: OtherKind[] = ['rule', 'connector', 'ai'];

/** How a principal is named: a connector by its provider's label, others by their id. */
function principalName(kind: PrincipalKind, id: string) {
  if (kind === 'connector') return providerRegistry.get(id)?.label ?? id;
  return id;
}

const lower = (text: string) => text.replace(/^./, (c) => c.toLowerCase());

/** Every permission each plugin, rule, connector and assistant holds, grouped by kind, with a way to take it back. */
export function GrantsReview({
  items: initial,
  others: initialOthers = [],
}: {
  items: PluginGrants[];
  others?: PrincipalGrants[];
}) {
  const [items, setItems] = useState(initial);
  const [others, setOthers] = useState(initialOthers);
  const router = useRouter();
  const toast = useToast();
  useEffect(() => setItems(initial), [initial]);
  useEffect(() => setOthers(initialOthers), [initialOthers]);

  async function revokeOther(principal: PrincipalGrants, permission: string) {
    const result = await revokePrincipalGrantAction(principal.kind as OtherKind, principal.id, permission);
    if (!result.ok)
      return toast({ title: 'Could not revoke the permission', description: result.error, tone: 'error' });
    setOthers((list) =>
      list
        .map((p) =>
          p.kind === principal.kind && p.id === principal.id
            ? { ...p, grants: p.grants.filter((g) => g.permission !== permission) }
            : p,
        )
        .filter((p) => p.grants.length > 0),
    );
    toast({
      title: 'Permission revoked',
      description: `${principalName(principal.kind, principal.id)} can no longer ${lower(describePermission(permission).summary)}.`,
    });
    router.refresh();
  }

  async function revoke(plugin: PluginView, permission: string) {
    const result = await revokeGrantAction(plugin.id, permission);
    if (!result.ok)
      return toast({ title: 'Could not revoke the permission', description: result.error, tone: 'error' });
    setItems((list) =>
      list.map((i) =>
        i.plugin.id === plugin.id ? { ...i, grants: i.grants.filter((g) => g.permission !== permission) } : i,
      ),
    );
    toast({
      title: 'Permission revoked',
      description: `${plugin.name} can no longer ${describePermission(permission).summary.replace(/^./, (c) => c.toLowerCase())}.`,
    });
    router.refresh();
  }

  if (items.length === 0 && others.length === 0)
    return (
      <div className="rounded-lg border border-dashed border-border p-8 text-center">
        <ShieldCheck className="mx-auto size-8 text-muted-foreground" aria-hidden="true" />
        <h2 className="mt-3 text-lg font-semibold">No plugin holds any permission</h2>
        <p className="mx-auto mt-1 max-w-md text-sm text-muted-foreground">
          When you allow a plugin what it asks for, or give a rule, connector or assistant a permission, it shows up
          here, and you can take it back at any time.
        </p>
        <Button asChild className="mt-4">
          <Link href="/settings/plugins">Go to plugins</Link>
        </Button>
      </div>
    );

  return (
    <div className="grid gap-8">
      {items.length > 0 && (
        <KindGroup kind="plugin">
          {items.map(({ plugin, grants }) => {
            const headingId = `grants-${plugin.id}`;
            return (
              <section
                key={plugin.id}
                id={headingId}
                aria-labelledby={`${headingId}-title`}
                className="scroll-mt-20 rounded-lg border border-border"
              >
                <div className="flex flex-wrap items-center justify-between gap-2 border-b border-border p-4">
                  <div className="flex flex-wrap items-center gap-2">
                    <h3 id={`${headingId}-title`} className="text-base font-semibold">
                      <Link
                        href={`/settings/plugins/${plugin.id}`}
                        className="rounded-sm underline-offset-4 hover:underline"
                      >
                        {plugin.name}
                      </Link>
                    </h3>
                    <PluginStatusBadge status={plugin.status} />
                  </div>
                  <span className="text-sm text-muted-foreground">
                    {grants.length} of {plugin.permissions.length} allowed
                  </span>
                </div>
                {grants.length === 0 ? (
                  <p className="p-4 text-sm text-muted-foreground">
                    It holds no permissions.{' '}
                    {plugin.permissions.length > 0 && 'Open the plugin to allow what it asks for.'}
                  </p>
                ) : (
                  <ul className="divide-y divide-border" aria-label={`Permissions granted to ${plugin.name}`}>
                    {grants.map((g) => {
                      const info = describePermission(g.permission);
                      return (
                        <li key={g.permission} className="flex flex-wrap items-center gap-3 p-4 sm:flex-nowrap">
                          <div className="min-w-0 flex-1">
                            <p className="text-sm font-medium">{info.summary}</p>
                            <p className="text-xs text-muted-foreground">
                              <code className="break-all">{g.permission}</code> · allowed{' '}
                              <LocalTime iso={g.grantedAt} />
                            </p>
                          </div>
                          <AlertDialog>
                            <AlertDialogTrigger asChild>
                              <Button
                                variant="outline"
                                size="sm"
                                aria-label={`Revoke ${g.permission} from ${plugin.name}`}
                              >
                                <ShieldOff aria-hidden="true" /> Revoke
                              </Button>
                            </AlertDialogTrigger>
                            <AlertDialogContent>
                              <AlertDialogTitle>Revoke this permission?</AlertDialogTitle>
                              <AlertDialogDescription>
                                {plugin.name} will no longer be allowed to{' '}
                                {info.summary.replace(/^./, (c) => c.toLowerCase())} ({g.permission}), from its next
                                call on. You can allow it again from the plugin’s page.
                              </AlertDialogDescription>
                              <div className="flex flex-wrap justify-end gap-2">
                                <AlertDialogCancel>Cancel</AlertDialogCancel>
                                <AlertDialogAction onClick={() => revoke(plugin, g.permission)}>
                                  Revoke
                                </AlertDialogAction>
                              </div>
                            </AlertDialogContent>
                          </AlertDialog>
                        </li>
                      );
                    })}
                  </ul>
                )}
              </section>
            );
          })}
        </KindGroup>
      )}
      {otherKinds.map((kind) => {
        const group = others.filter((p) => p.kind === kind);
        if (group.length === 0) return null;
        return (
          <KindGroup key={kind} kind={kind}>
            {group.map((principal) => (
              <PrincipalCard key={principal.id} principal={principal} onRevoke={revokeOther} />
            ))}
          </KindGroup>
        );
      })}
    </div>
  );
}

/** One kind's principals under a heading (Plugins, Rules, Connectors, Assistants). */
function KindGroup({ kind, children }: { kind: PrincipalKind; children: React.ReactNode }) {
  const id = `grants-kind-${kind}`;
  return (
    <section aria-labelledby={id} className="grid gap-4">
      <h2 id={id} className="text-lg font-semibold">
        {principalLabels[kind].many}
      </h2>
      {children}
    </section>
  );
}

const kindHint: Record<OtherKind, string> = {
  rule: 'An automation you set up: it acts only within what you allowed here.',
  connector: 'Brings data in from an account you connected, and acts there for you.',
  ai: 'An assistant that reads and writes for you within what you allowed here.',
};

function PrincipalCard({
  principal,
  onRevoke,
}: {
  principal: PrincipalGrants;
  onRevoke: (principal: PrincipalGrants, permission: string) => Promise<unknown>;
}) {
  const name = principalName(principal.kind, principal.id);
  const label = principalLabels[principal.kind].one;
  const headingId = `grants-${principal.kind}-${principal.id}`;
  return (
    <section
      id={headingId}
      aria-labelledby={`${headingId}-title`}
      className="scroll-mt-20 rounded-lg border border-border"
    >
      <div className="flex flex-wrap items-center justify-between gap-2 border-b border-border p-4">
        <div className="min-w-0">
          <h3 id={`${headingId}-title`} className="text-base font-semibold break-all">
            {name}
          </h3>
          <p className="text-sm text-muted-foreground">{kindHint[principal.kind as OtherKind]}</p>
        </div>
        <span className="text-sm text-muted-foreground">
          {principal.grants.length} {principal.grants.length === 1 ? 'permission' : 'permissions'}
        </span>
      </div>
      <ul className="divide-y divide-border" aria-label={`Permissions granted to ${name}`}>
        {principal.grants.map((g) => {
          const info = describePermission(g.permission);
          return (
            <li key={g.permission} className="flex flex-wrap items-center gap-3 p-4 sm:flex-nowrap">
              <div className="min-w-0 flex-1">
                <p className="text-sm font-medium">{info.summary}</p>
                <p className="text-xs text-muted-foreground">
                  <code className="break-all">{g.permission}</code> · allowed <LocalTime iso={g.grantedAt} />
                </p>
              </div>
              <AlertDialog>
                <AlertDialogTrigger asChild>
                  <Button variant="outline" size="sm" aria-label={`Revoke ${g.permission} from ${name}`}>
                    <ShieldOff aria-hidden="true" /> Revoke
                  </Button>
                </AlertDialogTrigger>
                <AlertDialogContent>
                  <AlertDialogTitle>Revoke this permission?</AlertDialogTitle>
                  <AlertDialogDescription>
                    The {lower(label)} {name} will no longer be allowed to {lower(info.summary)} ({g.permission}), from
                    its next action on.
                  </AlertDialogDescription>
                  <div className="flex flex-wrap justify-end gap-2">
                    <AlertDialogCancel>Cancel</AlertDialogCancel>
                    <AlertDialogAction onClick={() => onRevoke(principal, g.permission)}>Revoke</AlertDialogAction>
                  </div>
                </AlertDialogContent>
              </AlertDialog>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
