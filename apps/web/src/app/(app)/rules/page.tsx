import { Plus } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { PageHeader } from '@/components/page-header';
import { RULES_HEADER } from '@/components/page-headers';
import { Problem } from '@/components/problem';
import { RuleList } from '@/components/rules/rule-list';
import { Button } from '@/components/ui/button';
import { load } from '@/lib/hub';
import { listRules, listTemplates } from '@/lib/rules/api';

export const metadata: Metadata = { title: 'Rules' };

export default async function RulesPage() {
  const [rules, templates] = await Promise.all([load(listRules), load(listTemplates)]);
  return (
    <>
      <PageHeader
        {...RULES_HEADER}
        actions={
          <Button asChild>
            <Link href="/rules/new">
              <Plus aria-hidden="true" />
              New rule
            </Link>
          </Button>
        }
      />
      <div className="grid gap-10 [&>*]:min-w-0">
        <section aria-labelledby="rules-heading" className="grid gap-3">
          <h2 id="rules-heading" className="text-lg font-semibold">
            Your rules
          </h2>
          {!rules.ok ? (
            <Problem message={rules.error} />
          ) : rules.data.length === 0 ? (
            <p className="text-sm text-muted-foreground">No rules yet: start from one of the templates below.</p>
          ) : (
            <RuleList rules={rules.data} />
          )}
        </section>
        <section aria-labelledby="templates-heading" className="grid gap-3">
          <h2 id="templates-heading" className="text-lg font-semibold">
            Start from a template
          </h2>
          {!templates.ok ? (
            <Problem message={templates.error} />
          ) : (
            <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" aria-label="Templates">
              {templates.data.map((t) => (
                <li key={t.id} className="grid content-between gap-3 rounded-lg border border-border p-4">
                  <div className="grid gap-1">
                    <h3 className="font-semibold">{t.title}</h3>
                    <p className="text-sm text-muted-foreground">{t.description}</p>
                  </div>
                  <Button asChild variant="outline" size="sm" className="justify-self-start">
                    <Link
                      href={`/rules/new?template=${encodeURIComponent(t.id)}`}
                      aria-label={`Use template: ${t.title}`}
                    >
                      Use template
                    </Link>
                  </Button>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}
