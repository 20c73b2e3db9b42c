'use client';
import { MailOpen, Reply, ReplyAll } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { DraftReplyButton } from '@/components/ai/draft-reply-button';
import { Button } from '@/components/ui/button';
import { markThreadUnreadAction } from '@/lib/actions/messages';
import { EmailCompose, type EmailDraftStart } from './email-compose';
import type { EmailRecipient } from './recipient-field';

/** Reply, Reply all and Mark unread under an email thread; a reply opens the composer in place. */
export function EmailActions({
  threadId,
  replyTo,
  sender,
  everyone,
  subject,
}: {
  threadId: string;
  /** The message answered: the newest of the thread. */
  replyTo: string;
  sender: EmailRecipient[];
  everyone: { to: EmailRecipient[]; cc: EmailRecipient[] };
  subject: string;
}) {
  const router = useRouter();
  const [draft, setDraft] = useState<{ kind: 'reply' | 'all' | 'drafted'; start: EmailDraftStart; note?: string }>();
  const [error, setError] = useState<string>();
  const re = subject && !/^re:/i.test(subject) ? `Re: ${subject}` : subject;

  if (draft)
    return (
      <div className="grid gap-2">
        {draft.note && (
          <p role="status" className="text-sm text-muted-foreground">
            {draft.note}
          </p>
        )}
        <EmailCompose
          key={draft.kind}
          heading={draft.kind === 'all' ? 'Reply all' : 'Reply'}
          start={draft.start}
          onCancel={() => setDraft(undefined)}
        />
      </div>
    );
  return (
    <div className="grid gap-2">
      <div className="flex flex-wrap gap-2">
        <Button type="button" onClick={() => setDraft({ kind: 'reply', start: { to: sender, subject: re, replyTo } })}>
          <Reply aria-hidden="true" /> Reply
        </Button>
        {everyone.to.length + everyone.cc.length > sender.length && (
          <Button
            type="button"
            variant="outline"
            onClick={() => setDraft({ kind: 'all', start: { ...everyone, subject: re, replyTo } })}
          >
            <ReplyAll aria-hidden="true" /> Reply all
          </Button>
        )}
        <DraftReplyButton
          threadId={threadId}
          onDraft={(body, note) =>
            setDraft({ kind: 'drafted', start: { to: sender, subject: re, replyTo, body }, note })
          }
        />
        <Button
          type="button"
          variant="ghost"
          onClick={async () => {
            const result = await markThreadUnreadAction(threadId);
            if (!result.ok) return setError(result.error);
            router.push('/messages');
            router.refresh();
          }}
        >
          <MailOpen aria-hidden="true" /> Mark unread
        </Button>
      </div>
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
    </div>
  );
}
