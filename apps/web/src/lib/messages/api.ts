import 'server-only';
import { hubFetch } from '@/lib/hub';
import { createSupabaseServerClient } from '@/lib/supabase/server';
import { getDefaultRegion } from '@/lib/account';
import { readablePhone } from '@/lib/phones';
import { ThreadMessagesSchema, ThreadPageSchema, type Message, type ShownMessage, type Thread } from './model';

/** Signed Storage URLs for MMS media live this long (the page re-renders on every change). */
const MEDIA_URL_SECONDS = 3600;

/** A thread with its numbers as the reader writes them (the E.164 fields stay for links and sends). */
export type ShownThread = Thread & { phoneLabel: string | null; ownNumberLabel: string };

/** A person made for an unknown number is named by it: shown as the reader writes numbers. */
const named = (thread: Thread, region: string | undefined): ShownThread =>
  thread.channel === 'email'
    ? { ...thread, phoneLabel: null, ownNumberLabel: '' }
    : {
        ...thread,
        person: { ...thread.person, name: readablePhone(thread.person.name, region) },
        phoneLabel: thread.phone === null ? null : readablePhone(thread.phone, region),
        ownNumberLabel: thread.ownNumber === null ? '' : readablePhone(thread.ownNumber, region),
      };

export async function listThreads(cursor?: string) {
  const [page, region] = await Promise.all([
    hubFetch('/messages/threads', { query: { limit: 50, cursor } }),
    getDefaultRegion(),
  ]);
  const parsed = ThreadPageSchema.parse(page);
  return { ...parsed, threads: parsed.threads.map((thread) => named(thread, region)) };
}

export async function getThread(threadId: string, cursor?: string) {
  const [page, region] = await Promise.all([
    hubFetch(`/messages/threads/${encodeURIComponent(threadId)}`, { query: { limit: 50, cursor } }),
    getDefaultRegion(),
  ]);
  const parsed = ThreadMessagesSchema.parse(page);
  return { ...parsed, thread: named(parsed.thread, region) };
}

export async function markThreadRead(threadId: string) {
  await hubFetch(`/messages/threads/${encodeURIComponent(threadId)}/read`, { method: 'POST' });
}

export async function markThreadUnread(threadId: string) {
  await hubFetch(`/messages/threads/${encodeURIComponent(threadId)}/unread`, { method: 'POST' });
}

export interface EmailDraft {
  to: string[];
  cc: string[];
  subject: string;
  body: string;
  replyTo?: string;
  attachments: string[];
  /** Which mail account sends it (needed when several are connected). */
  connectionId?: string;
}

export async function sendEmail(draft: EmailDraft, idempotencyKey: string) {
  return (await hubFetch('/messages', {
    method: 'POST',
    body: { channel: 'email', ...draft },
    headers: { 'idempotency-key': idempotencyKey },
  })) as { message: { id: string | null; threadId: string | null; status: string } };
}

export async function sendMessage(input: { to: string; body: string; connectionId?: string }, idempotencyKey: string) {
  return (await hubFetch('/messages', {
    method: 'POST',
    body: input,
    headers: { 'idempotency-key': idempotencyKey },
  })) as { message: { id: string; threadId: string; status: string } };
}

/** Signs every stored media item of the page under the user's session (Storage RLS decides). */
export async function withMediaUrls(messages: Message[]): Promise<ShownMessage[]> {
  const byBucket = new Map<string, string[]>();
  for (const item of messages.flatMap((m) => m.media))
    if (item.path) {
      const [bucket, ...rest] = item.path.split('/');
      byBucket.set(bucket!, [...(byBucket.get(bucket!) ?? []), rest.join('/')]);
    }
  const urls = new Map<string, string>();
  if (byBucket.size > 0) {
    const supabase = await createSupabaseServerClient();
    for (const [bucket, names] of byBucket) {
      const { data } = await supabase.storage.from(bucket).createSignedUrls(names, MEDIA_URL_SECONDS);
      for (const signed of data ?? [])
        if (signed.signedUrl && signed.path) urls.set(`${bucket}/${signed.path}`, signed.signedUrl);
    }
  }
  return messages.map((m) => ({
    ...m,
    mediaUrls: m.media.map((item) => ({
      contentType: item.contentType,
      url: item.path ? (urls.get(item.path) ?? null) : null,
    })),
  }));
}
