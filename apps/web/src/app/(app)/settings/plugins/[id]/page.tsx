import type { Metadata } from 'next';
import { Problem } from '@/components/problem';
import { PluginDetail } from '@/components/settings/plugins/plugin-detail';
import { load } from '@/lib/hub';
import { getPlugin, listCredentials, listGrants, listRuns } from '@/lib/settings/api';

type Params = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { id } = await params;
  return { title: `Plugin ${id}` };
}

export default async function PluginPage({ params }: Params) {
  const { id } = await params;
  // A missing plugin is a 404 (load() calls notFound()); anything else is shown in words.
  const result = await load(() => Promise.all([getPlugin(id), listGrants(id), listRuns(id, 50), listCredentials()]));
  if (!result.ok) return <Problem title="Could not load this plugin" message={result.error} />;
  const [plugin, grants, runs, credentials] = result.data;
  return <PluginDetail plugin={plugin} grants={grants} runs={runs} credentials={credentials} />;
}
