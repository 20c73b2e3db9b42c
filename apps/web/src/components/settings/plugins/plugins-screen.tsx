'use client';
import { ChevronRight, Puzzle } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { PageHeader } from '@/components/page-header';
import { PackageUpload, type UploadFailure } from '@/components/settings/plugins/package-upload';
import { PluginStatusBadge } from '@/components/settings/plugins/plugin-status';
import { useToast } from '@/components/ui/toast';
import type { PluginView } from '@/lib/settings/model';

export function PluginsScreen({ plugins }: { plugins: PluginView[] }) {
  const router = useRouter();
  const toast = useToast();
  const [failure, setFailure] = useState<UploadFailure>();

  function installed(plugin: PluginView) {
    setFailure(undefined);
    if (plugin.status === 'pending_consent')
      toast({
        title: `${plugin.name} is installed`,
        description: 'Review what it asks for, then allow it to enable it.',
      });
    else toast({ title: `${plugin.name} is installed and enabled`, description: 'It asks for no permissions.' });
    router.push(`/settings/plugins/${plugin.id}`);
  }

  const alreadyInstalled =
    failure?.code === 'plugin_installed' ? plugins.find((p) => failure.message.startsWith(`${p.id} `)) : undefined;

  return (
    <>
      <PageHeader
        title="Plugins"
        description="Add-ons that run inside your hub, in a sandbox, with only the permissions you allow."
      />
      <section aria-labelledby="install-heading" className="mb-8">
        <PackageUpload onDone={installed} onError={setFailure}>
          <h2 id="install-heading" className="text-base font-semibold">
            Install a plugin
          </h2>
          <p className="mb-3 mt-1 text-sm text-muted-foreground">
            Nothing runs until you have seen and allowed what it asks for. Only install plugins from people you trust.
          </p>
        </PackageUpload>
        {failure && (
          <div role="alert" className="mt-3 rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm">
            <p className="font-medium">The plugin was not installed.</p>
            <p className="mt-1">{failure.message}</p>
            {alreadyInstalled && (
              <p className="mt-1">
                <Link
                  href={`/settings/plugins/${alreadyInstalled.id}`}
                  className="font-medium text-primary underline underline-offset-4"
                >
                  Open {alreadyInstalled.name} to upgrade it
                </Link>
              </p>
            )}
          </div>
        )}
      </section>
      <section aria-labelledby="installed-heading">
        <h2 id="installed-heading" className="mb-3 text-lg font-semibold">
          Installed
        </h2>
        {plugins.length === 0 ? (
          <div className="rounded-lg border border-border p-6 text-center">
            <Puzzle className="mx-auto size-8 text-muted-foreground" aria-hidden="true" />
            <p className="mt-2 font-medium">No plugins yet</p>
            <p className="mx-auto mt-1 max-w-md text-sm text-muted-foreground">
              Install one above from a .tgz package or a plugin folder. The SDK’s examples, a birthday reminder and a
              contact enricher, are a good start.
            </p>
          </div>
        ) : (
          <ul className="divide-y divide-border rounded-lg border border-border" aria-label="Installed plugins">
            {plugins.map((p) => (
              <li key={p.id}>
                <Link
                  href={`/settings/plugins/${p.id}`}
                  className="flex items-center gap-3 p-4 hover:bg-muted focus-visible:bg-muted"
                >
                  <Puzzle className="size-5 shrink-0 text-primary" aria-hidden="true" />
                  <div className="min-w-0 flex-1">
                    <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                      <span className="font-medium">{p.name}</span>
                      <span className="text-xs text-muted-foreground">v{p.version}</span>
                      <PluginStatusBadge status={p.status} />
                    </div>
                    {p.description && (
                      <p className="mt-1 line-clamp-2 text-sm text-muted-foreground">{p.description}</p>
                    )}
                  </div>
                  <ChevronRight className="size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
