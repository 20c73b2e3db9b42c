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
import { revokeGrantAction } from '@/lib/actions/settings';
import type { Grant, PluginView } from '@/lib/settings/model';
import { describePermission } from '@/lib/settings/permissions';
import { LocalTime } from '@/components/ui/local-time';

export interface PluginGrants {
  plugin: PluginView;
  grants: Grant[];
}

/** Every permission each plugin holds, with a way to take it back. */
export function GrantsReview({ items: initial }: { items: PluginGrants[] }) {
  const [items, setItems] = useState(initial);
  const router = useRouter();
  const toast = useToast();
  useEffect(() => setItems(initial), [initial]);

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

  if (items.length === 0)
    return (
      <div className="rounded-lg border border-dashed border-border p-8 text-center">
        <ShieldCheck className="mx-auto size-8 text-muted-foreground" aria-hidden="true" />
        <h2 className="mt-3 text-lg font-semibold">No plugin holds any permission</h2>
        <p className="mx-auto mt-1 max-w-md text-sm text-muted-foreground">
          When you install a plugin and allow what it asks for, each permission shows up here, and you can take it back
          at any time.
        </p>
        <Button asChild className="mt-4">
          <Link href="/settings/plugins">Go to plugins</Link>
        </Button>
      </div>
    );

  return (
    <div className="grid gap-6">
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
                <h2 id={`${headingId}-title`} className="text-base font-semibold">
                  <Link
                    href={`/settings/plugins/${plugin.id}`}
                    className="rounded-sm underline-offset-4 hover:underline"
                  >
                    {plugin.name}
                  </Link>
                </h2>
                <PluginStatusBadge status={plugin.status} />
              </div>
              <span className="text-sm text-muted-foreground">
                {grants.length} of {plugin.permissions.length} allowed
              </span>
            </div>
            {grants.length === 0 ? (
              <p className="p-4 text-sm text-muted-foreground">
                It holds no permissions. {plugin.permissions.length > 0 && 'Open the plugin to allow what it asks for.'}
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
                          <code className="break-all">{g.permission}</code> · allowed <LocalTime iso={g.grantedAt} />
                        </p>
                      </div>
                      <AlertDialog>
                        <AlertDialogTrigger asChild>
                          <Button variant="outline" size="sm" aria-label={`Revoke ${g.permission} from ${plugin.name}`}>
                            <ShieldOff aria-hidden="true" /> Revoke
                          </Button>
                        </AlertDialogTrigger>
                        <AlertDialogContent>
                          <AlertDialogTitle>Revoke this permission?</AlertDialogTitle>
                          <AlertDialogDescription>
                            {plugin.name} will no longer be allowed to{' '}
                            {info.summary.replace(/^./, (c) => c.toLowerCase())} ({g.permission}), from its next call
                            on. You can allow it again from the plugin’s page.
                          </AlertDialogDescription>
                          <div className="flex flex-wrap justify-end gap-2">
                            <AlertDialogCancel>Cancel</AlertDialogCancel>
                            <AlertDialogAction onClick={() => revoke(plugin, g.permission)}>Revoke</AlertDialogAction>
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
    </div>
  );
}
