'use client';
import { LoaderCircle, Send, X } from 'lucide-react';
import { useId, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Textarea } from '@/components/ui/input';
import { sendEmailAction, sendMessageAction } from '@/lib/actions/messages';
import type { AiToolReport } from '@/lib/ai';

type Proposal = NonNullable<AiToolReport['proposal']>;

/**
 * A message the assistant proposed: nothing was sent. The user edits it and confirms, and it
 * goes out through the normal send path (as the user, with an Idempotency-Key), or dismisses it.
 */
export function SendProposal({ proposal }: { proposal: Proposal }) {
  const id = useId();
  const [body, setBody] = useState(proposal.body);
  const [key] = useState(() => crypto.randomUUID());
  const [state, setState] = useState<'open' | 'sending' | 'sent' | 'dismissed'>('open');
  const [error, setError] = useState<string>();

  async function confirm() {
    setState('sending');
    setError(undefined);
    const result =
      proposal.channel === 'email'
        ? await sendEmailAction(
            { to: [proposal.to], cc: [], subject: proposal.subject ?? '', body, attachments: [] },
            key,
          ).catch(() => undefined)
        : await sendMessageAction({ to: proposal.to, body }, key).catch(() => undefined);
    if (result?.ok) return setState('sent');
    setState('open');
    setError(result ? result.error : 'Could not reach the hub. Press Send again: it will not be sent twice.');
  }

  if (state === 'dismissed')
    return <p className="text-sm text-muted-foreground">Proposal dismissed: nothing was sent.</p>;
  if (state === 'sent')
    return (
      <p role="status" className="text-sm text-muted-foreground">
        Sent to {proposal.to}.
      </p>
    );
  return (
    <div
      role="group"
      className="grid gap-2 rounded-md border border-dashed border-border p-3"
      aria-label="Proposed message"
    >
      <p className="text-sm">
        <span className="font-medium">Proposed {proposal.channel === 'email' ? 'email' : 'text'}</span> to {proposal.to}
        . Nothing is sent until you confirm.
      </p>
      <label htmlFor={id} className="sr-only">
        Proposed message to {proposal.to}
      </label>
      <Textarea id={id} value={body} rows={3} maxLength={1600} onChange={(e) => setBody(e.target.value)} />
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        <Button type="button" size="sm" disabled={state === 'sending' || !body.trim()} onClick={() => void confirm()}>
          {state === 'sending' ? <LoaderCircle className="animate-spin" aria-hidden /> : <Send aria-hidden />} Send
        </Button>
        <Button type="button" size="sm" variant="ghost" onClick={() => setState('dismissed')}>
          <X aria-hidden /> Dismiss
        </Button>
      </div>
    </div>
  );
}
