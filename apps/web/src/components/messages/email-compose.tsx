'use client';
import { LoaderCircle, Paperclip, Send } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useId, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Input, Textarea } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { sendEmailAction } from '@/lib/actions/messages';
import { mayHaveBeenSent, threadHref } from '@/lib/messages/model';
import { chosenSender, type Sender } from '@/lib/messages/senders';
import { FromPicker } from '@/components/ui/from-picker';
import { AttachedFiles, type AttachedFile } from './attached-files';
import { EmailSendError, type SendFailure } from './email-send-error';
import { RecipientField, type EmailRecipient } from './recipient-field';

const MAX_BYTES = 25 * 1024 * 1024;

export interface EmailDraftStart {
  to?: EmailRecipient[];
  cc?: EmailRecipient[];
  subject?: string;
  /** The message answered (an email's id): the hub sends it in that conversation. */
  replyTo?: string;
  /** Text to start from (a drafted reply the user edits). */
  body?: string;
}

type Attached = AttachedFile & { size: number };

/**
 * A new email, or a reply: recipients (suggested from contacts), subject, text and files
 * (uploaded to your Storage first). One Idempotency-Key per email, as for texts.
 */
export function EmailCompose({
  start,
  onCancel,
  heading,
  senders = [],
}: {
  start?: EmailDraftStart;
  onCancel?: () => void;
  heading?: string;
  /** Your mail accounts: with several, "From" says which one sends it. */
  senders?: Sender[];
}) {
  const router = useRouter();
  const subjectId = useId();
  const bodyId = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const [to, setTo] = useState<EmailRecipient[]>(start?.to ?? []);
  const [cc, setCc] = useState<EmailRecipient[]>(start?.cc ?? []);
  const [showCc, setShowCc] = useState((start?.cc ?? []).length > 0);
  const [subject, setSubject] = useState(start?.subject ?? '');
  const [body, setBody] = useState(start?.body ?? '');
  const [files, setFiles] = useState<Attached[]>([]);
  const [uploading, setUploading] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<SendFailure>();
  const [key, setKey] = useState(() => crypto.randomUUID());
  const [from, setFrom] = useState<string>();
  const connectionId = chosenSender(senders, from);

  async function attach(list: FileList | null) {
    if (!list || list.length === 0) return;
    setUploading(true);
    setError(undefined);
    try {
      for (const file of Array.from(list)) {
        const total = files.reduce((sum, f) => sum + f.size, 0) + file.size;
        if (total > MAX_BYTES)
          throw new Error(`${file.name}: files on one email add up to at most 25 MB. Send a link instead.`);
        const res = await fetch('/messages/mail/uploads', {
          method: 'POST',
          headers: {
            'content-type': file.type || 'application/octet-stream',
            'x-file-name': encodeURIComponent(file.name),
          },
          body: file,
        });
        const answer = (await res.json()) as Attached & { error?: { message: string } };
        if (!res.ok) throw new Error(answer.error?.message ?? `${file.name} could not be attached.`);
        setFiles((previous) => [...previous, { path: answer.path, name: answer.name, size: answer.size }]);
      }
    } catch (e) {
      setError({ message: e instanceof Error ? e.message : 'The file could not be attached.' });
    } finally {
      setUploading(false);
      if (fileRef.current) fileRef.current.value = '';
    }
  }

  async function send() {
    if (pending || uploading) return;
    if (to.length === 0) return setError({ message: 'Add at least one recipient.' });
    if (!body.trim() && files.length === 0) return setError({ message: 'Write a message or attach a file.' });
    setPending(true);
    setError(undefined);
    let result;
    try {
      result = await sendEmailAction(
        {
          to: to.map((r) => r.address),
          cc: cc.map((r) => r.address),
          subject,
          body,
          ...(start?.replyTo ? { replyTo: start.replyTo } : {}),
          attachments: files.map((f) => f.path),
          ...(connectionId ? { connectionId } : {}),
        },
        key,
      );
    } catch {
      setPending(false);
      return setError({ message: 'Could not reach the hub. Press Send again: the email will not be sent twice.' });
    }
    setPending(false);
    if (!result.ok) {
      if (!mayHaveBeenSent(result.code)) setKey(crypto.randomUUID());
      return setError({ message: result.error, code: result.code });
    }
    setKey(crypto.randomUUID());
    setBody('');
    setFiles([]);
    if (result.data.threadId) router.push(threadHref(result.data.threadId));
    else {
      onCancel?.();
      router.refresh();
    }
  }

  return (
    <form
      className="grid gap-3"
      aria-label={heading ?? 'New email'}
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      <FromPicker
        senders={senders}
        value={connectionId}
        onChange={setFrom}
        hint="You have several mail accounts connected: the email goes out from this one."
      />
      <RecipientField label="To" value={to} onChange={setTo} autoFocus={to.length === 0} />
      {showCc ? (
        <RecipientField label="Cc" value={cc} onChange={setCc} />
      ) : (
        <Button type="button" variant="ghost" size="sm" className="w-fit" onClick={() => setShowCc(true)}>
          Add Cc
        </Button>
      )}
      <div className="grid gap-1.5">
        <Label htmlFor={subjectId}>Subject</Label>
        <Input id={subjectId} value={subject} maxLength={1000} onChange={(e) => setSubject(e.target.value)} />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={bodyId}>Message</Label>
        <Textarea
          id={bodyId}
          rows={8}
          value={body}
          autoFocus={to.length > 0}
          onChange={(e) => setBody(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) void send();
          }}
        />
      </div>
      <AttachedFiles files={files} onRemove={(file) => setFiles((previous) => previous.filter((f) => f !== file))} />
      {error && <EmailSendError error={error} />}
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" disabled={pending || uploading}>
          {pending ? <LoaderCircle className="animate-spin" aria-hidden="true" /> : <Send aria-hidden="true" />}
          Send email
        </Button>
        <input
          ref={fileRef}
          type="file"
          multiple
          className="sr-only"
          tabIndex={-1}
          aria-label="Files to attach"
          id={`${bodyId}-files`}
          onChange={(e) => void attach(e.target.files)}
        />
        <Button type="button" variant="outline" disabled={uploading} onClick={() => fileRef.current?.click()}>
          {uploading ? <LoaderCircle className="animate-spin" aria-hidden="true" /> : <Paperclip aria-hidden="true" />}
          Attach files
        </Button>
        {onCancel && (
          <Button type="button" variant="ghost" onClick={onCancel}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
