import 'server-only';
import { hubFetch } from '@/lib/hub';
import { createSupabaseServerClient } from '@/lib/supabase/server';
import { ThreadMessagesSchema, ThreadPageSchema, type Message, type ShownMessage } from './model';

/** Signed Storage URLs for MMS media live this long (the page re-renders on every change). */
const MEDIA_URL_SECONDS = 3600;

export async function listThreads(cursor?: string) {
  return ThreadPageSchema.parse(await hubFetch('/messages/threads', { query: { limit: 50, cursor } }));
}

export async function getThread(threadId: string, cursor?: string) {
  return ThreadMessagesSchema.parse(
    await hubFetch(`/messages/threads/${encodeURIComponent(threadId)}`, { query: { limit: 50, cursor } }),
  );
}

export async function markThreadRead(threadId: string) {
  await hubFetch(`/messages/threads/${encodeURIComponent(threadId)}/read`, { method: 'POST' });
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
