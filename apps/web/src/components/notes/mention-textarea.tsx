'use client';
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { Textarea } from '@/components/ui/input';
import { clean, mentionQuery, toEditable, toStored } from '@/lib/mentions';
import { cn } from '@/lib/utils';

interface Person {
  id: string;
  name: string;
}

/**
 * The note's text with a mention picker: typing `@` and a few letters lists matching
 * contacts (arrow keys to move, Enter or Tab to choose, Escape to close); the choice goes in
 * as `@[Name]` and is stored as a mention of that person's id. The stored body travels in a
 * hidden input called `name`, so the form reads it like any other field.
 */
export function MentionTextarea({
  id,
  name,
  defaultValue,
  people,
  ...aria
}: {
  id: string;
  name: string;
  defaultValue: string;
  /** The current names of the people the note mentions (by id). */
  people: Person[];
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}) {
  const [initial] = useState(() => toEditable(defaultValue, new Map(people.map((p) => [p.id, p.name]))));
  const [text, setText] = useState(initial.text);
  const map = useRef(initial.map);
  const [query, setQuery] = useState<{ start: number; query: string } | null>(null);
  const [results, setResults] = useState<Person[]>([]);
  const [active, setActive] = useState(0);
  const [searched, setSearched] = useState<string | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const listId = useId();
  const hintId = useId();
  const open = query !== null && results.length > 0;

  // Matching contacts by name prefix, shortly after typing stops; stale answers are dropped.
  useEffect(() => {
    if (query === null) return;
    const q = query.query;
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const response = await fetch(`/api/contacts?q=${encodeURIComponent(q)}`, { signal: controller.signal });
        if (!response.ok) return;
        const body = (await response.json()) as { items?: { id: string; name: string }[] };
        setResults((body.items ?? []).slice(0, 8).map((p) => ({ id: p.id, name: p.name })));
        setActive(0);
        setSearched(q);
      } catch {
        // aborted or offline: the list stays as it was
      }
    }, 120);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query]);

  function track(value: string, caret: number) {
    const found = mentionQuery(value, caret);
    setQuery((previous) => (found?.query === previous?.query && found?.start === previous?.start ? previous : found));
    if (!found) setResults([]);
  }

  function choose(person: Person) {
    if (!query) return;
    const label = clean(person.name);
    map.current.set(label, person.id);
    const caret = box.current?.selectionStart ?? text.length;
    const inserted = `@[${label}] `;
    const next = text.slice(0, query.start) + inserted + text.slice(caret);
    setText(next);
    setQuery(null);
    setResults([]);
    const position = query.start + inserted.length;
    requestAnimationFrame(() => {
      box.current?.focus();
      box.current?.setSelectionRange(position, position);
    });
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (!open) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (i + step + results.length) % results.length);
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault();
      choose(results[active]!);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      setQuery(null);
      setResults([]);
    }
  }

  const optionId = (i: number) => `${listId}-option-${i}`;
  const describedBy = [aria['aria-describedby'], hintId].filter(Boolean).join(' ');
  return (
    <div>
      <input type="hidden" name={name} value={toStored(text, map.current)} />
      <div className="relative">
        <Textarea
          ref={box}
          id={id}
          value={text}
          aria-describedby={describedBy}
          aria-invalid={aria['aria-invalid']}
          aria-autocomplete="list"
          aria-controls={open ? listId : undefined}
          aria-activedescendant={open ? optionId(active) : undefined}
          onChange={(event) => {
            setText(event.target.value);
            track(event.target.value, event.target.selectionStart);
          }}
          onKeyDown={onKeyDown}
          onKeyUp={(event) => {
            if (!['ArrowDown', 'ArrowUp', 'Enter', 'Tab', 'Escape'].includes(event.key))
              track(event.currentTarget.value, event.currentTarget.selectionStart);
          }}
          onClick={(event) => track(event.currentTarget.value, event.currentTarget.selectionStart)}
          onBlur={() => setTimeout(() => setQuery(null), 150)}
          className="min-h-40"
        />
        {open && (
          <ul
            id={listId}
            role="listbox"
            aria-label="Mention a contact"
            className="absolute inset-x-0 top-full z-20 mt-1 max-h-64 overflow-auto rounded-md border border-border bg-card p-1 text-card-foreground shadow-md"
          >
            {results.map((person, i) => (
              <li
                key={person.id}
                id={optionId(i)}
                role="option"
                aria-selected={i === active}
                onMouseDown={(event) => {
                  event.preventDefault();
                  choose(person);
                }}
                onMouseEnter={() => setActive(i)}
                className={cn(
                  'cursor-pointer rounded-sm px-2 py-1.5 text-sm',
                  i === active ? 'bg-muted font-medium' : undefined,
                )}
              >
                {person.name}
              </li>
            ))}
          </ul>
        )}
      </div>
      <p id={hintId} className="mt-1.5 text-xs text-muted-foreground">
        Type @ and a name to mention a contact: the note then shows on their timeline.
      </p>
      <p role="status" className="sr-only">
        {open
          ? `${results.length} ${results.length === 1 ? 'contact' : 'contacts'} found: arrow keys to choose, Enter to mention.`
          : query !== null && searched === query.query && query.query !== ''
            ? `No contact starts with ${query.query}.`
            : ''}
      </p>
    </div>
  );
}
