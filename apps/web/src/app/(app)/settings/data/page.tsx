import type { Metadata } from 'next';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { DataPortability } from '@/components/settings/data/data-portability';
import { load } from '@/lib/hub';
import { listImports, listTakeouts } from '@/lib/portability';

export const metadata: Metadata = { title: 'Import and export' };

export default async function DataPage() {
  const result = await load(async () => {
    const [imports, takeouts] = await Promise.all([listImports(), listTakeouts()]);
    return { imports, takeouts };
  });
  const header = (
    <PageHeader
      title="Import and export"
      description="Bring contacts, calendars and mail in from other tools, take them out as vCard, iCalendar and mbox, or take everything with you in one archive."
    />
  );
  if (!result.ok)
    return (
      <>
        {header}
        <Problem title="Could not load your imports" message={result.error} />
      </>
    );
  return (
    <>
      {header}
      <DataPortability imports={result.data.imports} takeouts={result.data.takeouts} />
    </>
  );
}
