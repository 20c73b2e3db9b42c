'use client';
import { LoaderCircle, Search, X } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useEffect, useId, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { threadHref } from '@/lib/messages/model';
import { chosenSender, type Sender } from '@/lib/messages/senders';
import { FromPicker } from '@/components/ui/from-picker';
import { ReplyBox } from './reply-box';

interface Candidate {
  id: string;
  name: string;
  phones: string[];
}

export interface Recipient {
  /** A person id or a phone number, as POST /api/v1/messages takes it. */
  to: string;
  label: string;
}

/**
 * A new text: pick a contact (one of their numbers) or type any number, then write it. With
 * several Twilio numbers connected, "From" says which one sends it.
 */
export function Compose({ initial, senders = [] }: { initial?: Recipient; senders?: Sender[] }) {
  const router = useRouter();
  const [recipient, setRecipient] = useState<Recipient | undefined>(initial);
  const [query, setQuery] = useState('');
  const [candidates, setCandidates] = useState<Candidate[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const [from, setFrom] = useState<string>();
  const connectionId = chosenSender(senders, from);
  const searchId = useId();
  const listId = useId();

  useEffect(() => {
    if (recipient) return;
    const ctrl = new AbortController();
    const timer = setTimeout(async () => {
      setLoading(true);
      try {
        const res = await fetch(`/api/contacts?q=${encodeURIComponent(query)}`, { signal: ctrl.signal });
        const body = (await res.json()) as { items?: Candidate[]; error?: { message: string } };
        if (!res.ok) throw new Error(body.error?.message ?? 'Could not search your contacts.');
        setCandidates((body.items ?? []).filter((c) => c.phones.length > 0));
        setError(undefined);
      } catch (e) {
        if (!ctrl.signal.aborted) setError(e instanceof Error ? e.message : 'Could not search your contacts.');
      } finally {
        if (!ctrl.signal.aborted) setLoading(false);
      }
    }, 200);
    return () => (clearTimeout(timer), ctrl.abort());
  }, [query, recipient]);

  // Anything that reads as a number can be texted directly, contact or not.
  const typedNumber = /^\+?[0-9][0-9 ().-]{5,}$/.test(query.trim()) ? query.trim() : undefined;

  return (
    <div className="grid gap-4">
      <FromPicker
        senders={senders}
        value={connectionId}
        onChange={setFrom}
        hint="You have several Twilio numbers: the text goes out from this one, and replies come back to it."
      />
      {recipient ? (
        <div className="flex items-center gap-2 text-sm">
          <span className="text-muted-foreground">To</span>
          <span className="rounded-full bg-muted px-3 py-1 font-medium">{recipient.label}</span>
          <Button variant="ghost" size="sm" onClick={() => setRecipient(undefined)} aria-label="Change recipient">
            <X aria-hidden="true" />
          </Button>
        </div>
      ) : (
        <div className="grid gap-2">
          <Label htmlFor={searchId}>To: a contact or a phone number</Label>
          <div className="relative">
            <Search
              className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground"
              aria-hidden="true"
            />
            <Input
              id={searchId}
              type="search"
              value={query}
              autoComplete="off"
              placeholder="Name, or a number like +1 415 555 0100"
              aria-controls={listId}
              className="pl-9"
              onChange={(event) => setQuery(event.target.value)}
            />
          </div>
          <ul
            id={listId}
            aria-label="Recipients"
            className="grid max-h-72 grid-cols-[minmax(0,1fr)] gap-1 overflow-y-auto"
          >
            {typedNumber && (
              <li>
                <Button
                  variant="outline"
                  className="w-full justify-start"
                  onClick={() => setRecipient({ to: typedNumber, label: typedNumber })}
                >
                  Text {typedNumber}
                </Button>
              </li>
            )}
            {candidates.flatMap((c) =>
              c.phones.map((phone) => (
                <li key={`${c.id}-${phone}`}>
                  <Button
                    variant="ghost"
                    className="h-auto w-full justify-between py-2"
                    onClick={() => setRecipient({ to: phone, label: `${c.name} (${phone})` })}
                  >
                    {/* A long name gives way to an ellipsis (the list's one column is no wider than
                        the list); the number always shows. */}
                    <span className="min-w-0 truncate">{c.name}</span>
                    <span className="shrink-0 text-xs text-muted-foreground">{phone}</span>
                  </Button>
                </li>
              )),
            )}
          </ul>
          {loading && (
            <p className="flex items-center gap-2 text-sm text-muted-foreground">
              <LoaderCircle className="size-4 animate-spin" aria-hidden="true" /> Searching…
            </p>
          )}
          {!loading && !typedNumber && candidates.length === 0 && (
            <p className="text-sm text-muted-foreground">
              No contact with a phone number matches. Type a number instead.
            </p>
          )}
          {error && (
            <p role="alert" className="text-sm text-destructive">
              {error}
            </p>
          )}
        </div>
      )}
      {recipient && (
        <ReplyBox
          to={recipient.to}
          connectionId={connectionId}
          label={`Message to ${recipient.label}`}
          autoFocus
          onSent={(threadId) => router.push(threadHref(threadId))}
        />
      )}
    </div>
  );
}
