import type { Metadata } from 'next';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { ConnectTwilio } from '@/components/settings/connections/connect-twilio';
import { ConnectionCard } from '@/components/settings/connections/connection-card';
import { listTwilioConnections } from '@/lib/connections/api';
import { load } from '@/lib/hub';
import { listCredentials } from '@/lib/settings/api';

export const metadata: Metadata = { title: 'Connections' };

export default async function ConnectionsPage() {
  const result = await load(() => Promise.all([listTwilioConnections(), listCredentials()]));
  const header = (
    <PageHeader
      title="Connections"
      description="Your own accounts the hub works with. Connect a Twilio number to text from Made Open with your own number."
    />
  );
  if (!result.ok)
    return (
      <>
        {header}
        <Problem title="Could not load your connections" message={result.error} />
      </>
    );
  const [connections, credentials] = result.data;
  return (
    <>
      {header}
      <div className="grid gap-6">
        <section aria-labelledby="connected-numbers" className="grid gap-3">
          <h2 id="connected-numbers" className="text-lg font-semibold">
            Twilio numbers
          </h2>
          {connections.length === 0 ? (
            <p className="text-sm text-muted-foreground">No number is connected yet.</p>
          ) : (
            connections.map((connection) => <ConnectionCard key={connection.id} connection={connection} />)
          )}
        </section>
        <ConnectTwilio
          credentials={credentials.filter((c) => c.type === 'twilio')}
          connected={connections.map((c) => c.label)}
        />
      </div>
    </>
  );
}
