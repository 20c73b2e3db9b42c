import type { Metadata } from 'next';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { PluginsScreen } from '@/components/settings/plugins/plugins-screen';
import { load } from '@/lib/hub';
import { listPlugins } from '@/lib/settings/api';

export const metadata: Metadata = { title: 'Plugins' };

export default async function PluginsPage() {
  const result = await load(listPlugins);
  if (!result.ok)
    return (
      <>
        <PageHeader title="Plugins" />
        <Problem title="Could not load your plugins" message={result.error} />
      </>
    );
  return <PluginsScreen plugins={result.data} />;
}
