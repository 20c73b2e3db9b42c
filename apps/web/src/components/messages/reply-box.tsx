'use client';
import { LoaderCircle, Send } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useId, useState } from 'react';
import { DraftReplyButton } from '@/components/ai/draft-reply-button';
import { Button } from '@/components/ui/button';
import { Textarea } from '@/components/ui/input';
import { sendMessageAction } from '@/lib/actions/messages';
import { mayHaveBeenSent } from '@/lib/messages/model';

export const MAX_TEXT = 1600;

/**
 * Writes and sends a text to `to` (a person id or a number). One Idempotency-Key per message,
 * kept until the hub has answered: pressing Send again after a lost answer does not send twice.
 */
export function ReplyBox({
  to,
  connectionId,
  label,
  onSent,
  autoFocus,
  threadId,
}: {
  /** The thread answered: offers "Draft a reply" from its messages. */
  threadId?: string;
  to: string;
  connectionId?: string;
  label: string;
  onSent?: (threadId: string) => void;
  autoFocus?: boolean;
}) {
  const router = useRouter();
  const id = useId();
  const [body, setBody] = useState('');
  const [key, setKey] = useState(() => crypto.randomUUID());
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();

  async function send() {
    if (pending) return;
    if (!body.trim()) return setError('Write a message first.');
    if (!to.trim()) return setError('Choose a person or type a number first.');
    setPending(true);
    setError(undefined);
    let result;
    try {
      result = await sendMessageAction({ to, body, ...(connectionId ? { connectionId } : {}) }, key);
    } catch {
      // The answer was lost (network): the same key on the next press sends at most once.
      setPending(false);
      return setError('Could not reach the hub. Press Send again: the message will not be sent twice.');
    }
    setPending(false);
    if (!result.ok) {
      // A definite answer (Twilio refused, bad input) ends this message; without one (hub
      // unreachable or still sending it) the next press is a retry of the same message.
      if (!mayHaveBeenSent(result.code)) setKey(crypto.randomUUID());
      return setError(result.error);
    }
    setBody('');
    setKey(crypto.randomUUID());
    if (onSent) onSent(result.data.threadId);
    else router.refresh();
  }

  return (
    <form
      className="grid gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <div className="flex items-end gap-2">
        <Textarea
          id={id}
          value={body}
          maxLength={MAX_TEXT}
          rows={2}
          autoFocus={autoFocus}
          placeholder="Write a text…"
          aria-describedby={error ? `${id}-error` : undefined}
          aria-invalid={error ? true : undefined}
          onChange={(event) => setBody(event.target.value)}
          onKeyDown={(event) => {
            // Enter sends, Shift+Enter is a new line.
            if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
              event.preventDefault();
              void send();
            }
          }}
          className="min-h-11 flex-1 resize-y"
        />
        <Button type="submit" disabled={pending} aria-label="Send">
          {pending ? <LoaderCircle className="animate-spin" aria-hidden="true" /> : <Send aria-hidden="true" />}
          <span className="max-sm:sr-only">Send</span>
        </Button>
      </div>
      {threadId && (
        <div className="flex flex-wrap items-center gap-2">
          <DraftReplyButton
            threadId={threadId}
            size="sm"
            onDraft={(text, drafted) => {
              setBody(text.slice(0, MAX_TEXT));
              setNote(drafted);
            }}
          />
          {note && (
            <p role="status" className="text-xs text-muted-foreground">
              {note}
            </p>
          )}
        </div>
      )}
      {error && (
        <p id={`${id}-error`} role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
    </form>
  );
}
