import type { Metadata } from 'next';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { CapabilityList } from '@/components/settings/capability-list';
import { load } from '@/lib/hub';
import { listCapabilities, listCredentials } from '@/lib/settings/api';

export const metadata: Metadata = { title: 'Capabilities' };

export default async function CapabilitiesPage() {
  const result = await load(() => Promise.all([listCapabilities(), listCredentials()]));
  const header = (
    <PageHeader
      title="Capabilities"
      description="What your hub can do right now. Each one switches on when your wallet holds a credential for a service that provides it."
    />
  );
  if (!result.ok)
    return (
      <>
        {header}
        <Problem title="Could not load your capabilities" message={result.error} />
      </>
    );
  const [capabilities, credentials] = result.data;
  const on = capabilities.filter((c) => c.enabled).length;
  return (
    <>
      {header}
      <p role="status" className="mb-4 text-sm">
        {on > 0
          ? `${on} of ${capabilities.length} capabilities are on.`
          : credentials.length > 0
            ? 'Nothing is switched on yet: a credential switches things on once its test passes.'
            : 'Nothing is switched on yet: add a credential below to start.'}
      </p>
      <CapabilityList capabilities={capabilities} credentials={credentials} />
    </>
  );
}
