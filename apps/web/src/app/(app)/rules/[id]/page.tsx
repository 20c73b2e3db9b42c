import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { RuleEditor } from '@/components/rules/rule-editor';
import { load } from '@/lib/hub';
import { getRule, listPluginChoices, listRuns, listVersions } from '@/lib/rules/api';
import type { RuleDraft } from '@/lib/rules/draft';

export const metadata: Metadata = { title: 'Rule' };

export default async function RulePage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ created?: string }>;
}) {
  const { id } = await params;
  const { created } = await searchParams;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  const [rule, versions, runs, plugins] = await Promise.all([
    load(() => getRule(id)),
    load(() => listVersions(id)),
    load(() => listRuns(id)),
    load(listPluginChoices),
  ]);
  if (!rule.ok) return <Problem message={rule.error} />;
  return (
    <>
      <PageHeader
        title={rule.data.name}
        description={`Version ${rule.data.version}. ${String(rule.data.definition.description ?? '')}`.trim()}
        actions={
          <Link href="/rules" className="text-sm text-primary underline-offset-4 hover:underline">
            All rules
          </Link>
        }
      />
      {created && rule.data.version === 1 && !rule.data.enabled && (
        <p role="status" className="mb-4 text-sm">
          Created as version 1, switched off. Try it on your history (Dry run), then switch it on.
        </p>
      )}
      {!versions.ok && <Problem message={versions.error} />}
      {!runs.ok && <Problem message={runs.error} />}
      <RuleEditor
        key={rule.data.id}
        rule={rule.data}
        initial={rule.data.definition as RuleDraft}
        versions={versions.ok ? versions.data : []}
        runs={runs.ok ? runs.data.items : []}
        plugins={plugins.ok ? plugins.data : null}
      />
    </>
  );
}
