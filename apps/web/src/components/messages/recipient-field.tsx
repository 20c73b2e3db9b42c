'use client';
import { X } from 'lucide-react';
import { useEffect, useId, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';

export interface EmailRecipient {
  /** An email address, as POST /api/v1/messages takes it. */
  address: string;
  label: string;
}

interface Candidate {
  id: string;
  name: string;
  emails: string[];
}

const looksLikeAddress = (value: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);

/**
 * Recipients as removable chips, with suggestions from your contacts (their email addresses)
 * as you type; any address can be added with Enter or a comma.
 */
export function RecipientField({
  label,
  value,
  onChange,
  autoFocus,
}: {
  label: string;
  value: EmailRecipient[];
  onChange: (next: EmailRecipient[]) => void;
  autoFocus?: boolean;
}) {
  const inputId = useId();
  const listId = useId();
  const [query, setQuery] = useState('');
  const [candidates, setCandidates] = useState<Candidate[]>([]);

  useEffect(() => {
    const q = query.trim();
    if (q.length < 1) return setCandidates([]);
    const ctrl = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const res = await fetch(`/api/contacts?q=${encodeURIComponent(q)}`, { signal: ctrl.signal });
        const body = (await res.json()) as { items?: Candidate[] };
        if (res.ok) setCandidates((body.items ?? []).filter((c) => c.emails.length > 0));
      } catch {
        // Suggestions are a help only: typing an address still works.
      }
    }, 200);
    return () => (clearTimeout(timer), ctrl.abort());
  }, [query]);

  const add = (recipient: EmailRecipient) => {
    if (!value.some((r) => r.address.toLowerCase() === recipient.address.toLowerCase()))
      onChange([...value, recipient]);
    setQuery('');
    setCandidates([]);
  };
  const typed = query.trim().replace(/,$/, '');
  const suggestions = candidates.flatMap((c) => c.emails.map((email) => ({ address: email, label: c.name })));
  const listed = suggestions.length > 0 || (typed !== '' && looksLikeAddress(typed));

  return (
    <div className="grid gap-1.5">
      <Label htmlFor={inputId}>{label}</Label>
      <div className="flex flex-wrap items-center gap-1.5 rounded-md border border-input px-2 py-1.5 focus-within:ring-2 focus-within:ring-ring">
        {value.map((recipient) => (
          <span
            key={recipient.address}
            className="flex items-center gap-1 rounded-full bg-muted py-0.5 pr-1 pl-2.5 text-sm"
            title={recipient.address}
          >
            {recipient.label}
            <button
              type="button"
              className="rounded-full p-0.5 text-muted-foreground outline-none hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring"
              aria-label={`Remove ${recipient.label} from ${label}`}
              onClick={() => onChange(value.filter((r) => r !== recipient))}
            >
              <X className="size-3.5" aria-hidden="true" />
            </button>
          </span>
        ))}
        <Input
          id={inputId}
          value={query}
          autoFocus={autoFocus}
          autoComplete="off"
          aria-controls={listed ? listId : undefined}
          aria-describedby={`${inputId}-hint`}
          placeholder={value.length === 0 ? 'Name or email address' : ''}
          className="h-8 min-w-40 flex-1 border-0 px-1 shadow-none focus-visible:ring-0"
          onChange={(event) => {
            const next = event.target.value;
            if (next.endsWith(',') && looksLikeAddress(next.slice(0, -1).trim()))
              return add({ address: next.slice(0, -1).trim(), label: next.slice(0, -1).trim() });
            setQuery(next);
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && typed) {
              event.preventDefault();
              if (looksLikeAddress(typed)) add({ address: typed, label: typed });
              else if (suggestions[0]) add(suggestions[0]);
            } else if (event.key === 'Backspace' && query === '' && value.length > 0) {
              onChange(value.slice(0, -1));
            }
          }}
        />
      </div>
      <p id={`${inputId}-hint`} className="sr-only">
        Type a name to see your contacts, or an address and press Enter.
      </p>
      {listed && (
        <ul
          id={listId}
          aria-label={`Suggestions for ${label}`}
          className="grid max-h-56 grid-cols-[minmax(0,1fr)] gap-0.5 overflow-y-auto rounded-md border border-border p-1"
        >
          {typed && looksLikeAddress(typed) && !suggestions.some((s) => s.address === typed.toLowerCase()) && (
            <li>
              <Button
                type="button"
                variant="ghost"
                className="h-auto w-full justify-start py-1.5"
                onClick={() => add({ address: typed, label: typed })}
              >
                Add {typed}
              </Button>
            </li>
          )}
          {suggestions.map((s) => (
            <li key={`${s.label}-${s.address}`}>
              <Button
                type="button"
                variant="ghost"
                className="h-auto w-full justify-between gap-2 py-1.5"
                onClick={() => add(s)}
              >
                {/* min-w-0 here and minmax(0, 1fr) on the list: otherwise truncate never cuts. */}
                <span className="min-w-0 truncate">{s.label}</span>
                <span className="min-w-0 truncate text-xs text-muted-foreground">{s.address}</span>
              </Button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
