'use client';
import { LoaderCircle, Send, X } from 'lucide-react';
import { useId, useState } from 'react';
import { AttachedFiles, type AttachedFile } from '@/components/messages/attached-files';
import { EmailSendError, type SendFailure } from '@/components/messages/email-send-error';
import { Button } from '@/components/ui/button';
import { Input, Textarea } from '@/components/ui/input';
import { sendEmailAction, sendMessageAction } from '@/lib/actions/messages';
import type { AiToolReport } from '@/lib/ai';
import { mayHaveBeenSent } from '@/lib/messages/model';

type Proposal = NonNullable<AiToolReport['proposal']>;

/**
 * A message the assistant proposed: nothing was sent. The user edits it (an email's subject,
 * text and attached files too) and confirms, and it goes out through the normal send path (as
 * the user, with an Idempotency-Key), or dismisses it.
 */
export function SendProposal({ proposal }: { proposal: Proposal }) {
  const id = useId();
  const isEmail = proposal.channel === 'email';
  // A contact the assistant named by id is shown by name; a number or address as it is.
  const recipient = proposal.toName ?? proposal.to;
  const [subject, setSubject] = useState(proposal.subject ?? '');
  const [body, setBody] = useState(proposal.body);
  const [files, setFiles] = useState<AttachedFile[]>(() =>
    (proposal.attachments ?? []).map((a) => ({ path: a.path, name: a.name, size: a.sizeBytes })),
  );
  const [key, setKey] = useState(() => crypto.randomUUID());
  const [state, setState] = useState<'open' | 'sending' | 'sent' | 'dismissed'>('open');
  const [error, setError] = useState<SendFailure>();

  async function confirm() {
    setState('sending');
    setError(undefined);
    const result = isEmail
      ? await sendEmailAction(
          { to: [proposal.to], cc: [], subject, body, attachments: files.map((f) => f.path) },
          key,
        ).catch(() => undefined)
      : await sendMessageAction({ to: proposal.to, body }, key).catch(() => undefined);
    if (result?.ok) return setState('sent');
    setState('open');
    if (!result) return setError({ message: 'Could not reach the hub. Press Send again: it will not be sent twice.' });
    // Refused for sure (say, no mail account yet): after a fix, Send is a new message.
    if (!mayHaveBeenSent(result.code)) setKey(crypto.randomUUID());
    setError({ message: result.error, code: result.code });
  }

  if (state === 'dismissed')
    return <p className="text-sm text-muted-foreground">Proposal dismissed: nothing was sent.</p>;
  if (state === 'sent')
    return (
      <p role="status" className="text-sm text-muted-foreground">
        Sent to {recipient}
        {files.length > 0 ? ` with ${files.length === 1 ? '1 file' : `${files.length} files`}` : ''}.
      </p>
    );
  return (
    <div
      role="group"
      className="grid gap-2 rounded-md border border-dashed border-border p-3"
      aria-label="Proposed message"
    >
      <p className="text-sm">
        <span className="font-medium">Proposed {isEmail ? 'email' : 'text'}</span> to {recipient}. Nothing is sent until
        you confirm.
      </p>
      {isEmail && (
        <>
          <label htmlFor={`${id}-subject`} className="sr-only">
            Subject
          </label>
          <Input
            id={`${id}-subject`}
            value={subject}
            maxLength={1000}
            placeholder="Subject"
            onChange={(e) => setSubject(e.target.value)}
          />
        </>
      )}
      <label htmlFor={id} className="sr-only">
        Proposed message to {recipient}
      </label>
      <Textarea
        id={id}
        value={body}
        rows={isEmail ? 5 : 3}
        maxLength={isEmail ? 10_000 : 1600}
        onChange={(e) => setBody(e.target.value)}
      />
      <AttachedFiles files={files} onRemove={(file) => setFiles((previous) => previous.filter((f) => f !== file))} />
      {error &&
        (isEmail ? (
          <EmailSendError error={error} />
        ) : (
          <p role="alert" className="text-sm text-destructive">
            {error.message}
          </p>
        ))}
      <div className="flex flex-wrap gap-2">
        <Button
          type="button"
          size="sm"
          disabled={state === 'sending' || (!body.trim() && files.length === 0)}
          onClick={() => void confirm()}
        >
          {state === 'sending' ? <LoaderCircle className="animate-spin" aria-hidden /> : <Send aria-hidden />} Send
        </Button>
        <Button type="button" size="sm" variant="ghost" onClick={() => setState('dismissed')}>
          <X aria-hidden /> Dismiss
        </Button>
      </div>
    </div>
  );
}
