import type { Metadata } from 'next';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { CredentialsScreen } from '@/components/settings/credentials/credentials-screen';
import { load } from '@/lib/hub';
import { listCredentials } from '@/lib/settings/api';
import { providerOf } from '@/lib/settings/credentials';

export const metadata: Metadata = { title: 'Credentials' };

export default async function CredentialsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const [result, params] = await Promise.all([load(listCredentials), searchParams]);
  if (!result.ok)
    return (
      <>
        <PageHeader title="Credentials" />
        <Problem title="Could not load your credentials" message={result.error} />
      </>
    );
  // ?add=twilio opens the form for that type (links from the capabilities and plugin screens).
  const add = typeof params.add === 'string' && providerOf(params.add) ? params.add : undefined;
  return <CredentialsScreen credentials={result.data} addType={add} />;
}
