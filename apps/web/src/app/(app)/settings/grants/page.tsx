import type { Metadata } from 'next';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { GrantsReview } from '@/components/settings/grants-review';
import { load } from '@/lib/hub';
import { listAllGrants, listGrants, listPlugins } from '@/lib/settings/api';

export const metadata: Metadata = { title: 'Grants' };

export default async function GrantsPage() {
  const result = await load(async () => {
    const [plugins, principals] = await Promise.all([listPlugins(), listAllGrants()]);
    const items = await Promise.all(plugins.map(async (plugin) => ({ plugin, grants: await listGrants(plugin.id) })));
    // Plugins come with their manifest (every installed one shows); the other kinds as the hub groups them.
    return { items, others: principals.filter((p) => p.kind !== 'plugin' && p.kind !== 'user') };
  });
  const header = (
    <PageHeader
      title="Grants"
      description="What you have allowed each plugin, rule, connector and assistant to do. Every use is checked against this list and recorded; revoking takes effect on its next action."
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
      <GrantsReview items={result.data.items} others={result.data.others} />
    </>
  );
}
