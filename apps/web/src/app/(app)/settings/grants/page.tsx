import type { Metadata } from 'next';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { GrantsReview } from '@/components/settings/grants-review';
import { load } from '@/lib/hub';
import { listGrants, listPlugins } from '@/lib/settings/api';

export const metadata: Metadata = { title: 'Grants' };

export default async function GrantsPage() {
  const result = await load(async () => {
    const plugins = await listPlugins();
    return Promise.all(plugins.map(async (plugin) => ({ plugin, grants: await listGrants(plugin.id) })));
  });
  const header = (
    <PageHeader
      title="Grants"
      description="What you have allowed each plugin to do. Every use is checked against this list and recorded; revoking takes effect on the plugin’s next call."
    />
  );
  if (!result.ok)
    return (
      <>
        {header}
        <Problem title="Could not load your grants" message={result.error} />
      </>
    );
  return (
    <>
      {header}
      <GrantsReview items={result.data} />
    </>
  );
}
