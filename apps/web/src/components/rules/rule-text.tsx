'use client';
import type { RuleIssue } from '@made-open/shared/rules';
import { useState } from 'react';
import { Textarea } from '@/components/ui/input';
import type { RuleDraft } from '@/lib/rules/draft';
import { parseRuleText, ruleToText, type TextFormat } from '@/lib/rules/text';

/**
 * The rule as YAML or JSON, editable: text that parses replaces the draft the builder shows;
 * a syntax error names its line and column, and the rule's own problems are listed by path.
 */
export function RuleText({
  draft,
  issues,
  onChange,
}: {
  draft: RuleDraft;
  issues: readonly RuleIssue[];
  onChange: (next: RuleDraft) => void;
}) {
  const [format, setFormat] = useState<TextFormat>('yaml');
  const [text, setText] = useState(() => ruleToText(draft, 'yaml'));
  const [shown, setShown] = useState<RuleDraft>(draft);
  const [syntax, setSyntax] = useState<string | null>(null);
  // The draft changed elsewhere (the builder, a rollback): show it.
  if (draft !== shown) {
    setShown(draft);
    setText(ruleToText(draft, format));
    setSyntax(null);
  }
  function edit(next: string) {
    setText(next);
    const parsed = parseRuleText(next, format);
    if (!parsed.ok) {
      setSyntax(parsed.line ? `Line ${parsed.line}, column ${parsed.column}: ${parsed.message}` : parsed.message);
      return;
    }
    setSyntax(null);
    const value = parsed.value as RuleDraft;
    setShown(value);
    onChange(value);
  }
  return (
    <div className="grid gap-3">
      <div role="radiogroup" aria-label="Format" className="flex gap-2">
        {(['yaml', 'json'] as const).map((f) => (
          <label key={f} className="flex items-center gap-1.5 text-sm">
            <input
              type="radio"
              name="rule-format"
              className="size-4"
              checked={format === f}
              disabled={syntax !== null}
              onChange={() => {
                setFormat(f);
                setText(ruleToText(shown, f));
              }}
            />
            {f.toUpperCase()}
          </label>
        ))}
      </div>
      <label htmlFor="rule-text" className="text-sm font-medium">
        The rule as {format.toUpperCase()}
      </label>
      <Textarea
        id="rule-text"
        spellCheck={false}
        className="min-h-[28rem] font-mono text-sm sm:text-sm"
        value={text}
        aria-invalid={syntax !== null || issues.length > 0 ? true : undefined}
        aria-describedby="rule-text-problems"
        onChange={(e) => edit(e.target.value)}
      />
      <div id="rule-text-problems" aria-live="polite" className="grid gap-1">
        {syntax ? (
          <p role="alert" className="text-sm text-destructive">
            Not valid {format.toUpperCase()}: {syntax}
          </p>
        ) : issues.length > 0 ? (
          <>
            <p className="text-sm font-medium text-destructive">Problems in this rule:</p>
            <ul className="grid gap-0.5 text-sm text-destructive">
              {issues.map((issue) => (
                <li key={`${issue.path}${issue.message}`}>
                  <code>{issue.path.replace(/^\/definition/, '') || '/'}</code>: {issue.message}
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p className="text-sm text-muted-foreground">The rule is valid.</p>
        )}
      </div>
    </div>
  );
}
