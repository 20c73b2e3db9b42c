import type { Metadata } from 'next';
import Link from 'next/link';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { RuleEditor } from '@/components/rules/rule-editor';
import { load } from '@/lib/hub';
import { listPluginChoices, listTemplates } from '@/lib/rules/api';
import type { RuleDraft } from '@/lib/rules/draft';

export const metadata: Metadata = { title: 'New rule' };

/** A rule run by hand that notifies you: the smallest valid rule to build from. */
const blank: RuleDraft = {
  name: 'New rule',
  mode: 'single',
  triggers: [{ id: 'manual', type: 'manual' }],
  steps: [{ id: 'notify', type: 'action', action: 'notify', with: { title: 'The rule ran' } }],
};

export default async function NewRulePage({ searchParams }: { searchParams: Promise<{ template?: string }> }) {
  const { template: templateId } = await searchParams;
  const [templates, plugins] = await Promise.all([templateId ? load(listTemplates) : null, load(listPluginChoices)]);
  if (templates && !templates.ok) return <Problem message={templates.error} />;
  const template = templates?.ok ? templates.data.find((t) => t.id === templateId) : undefined;
  return (
    <>
      <PageHeader
        title={template ? `New rule: ${template.title}` : 'New rule'}
        description={template?.description ?? 'Build it in the diagram or write it as YAML or JSON.'}
      />
      {templateId && !template && (
        <p role="alert" className="mb-4 text-sm text-destructive">
          There is no template {templateId}: starting from an empty rule. <Link href="/rules">Back to rules</Link>
        </p>
      )}
      <RuleEditor
        rule={null}
        initial={(template?.definition as RuleDraft | undefined) ?? blank}
        fill={template?.fill ?? []}
        plugins={plugins.ok ? plugins.data : null}
      />
    </>
  );
}
