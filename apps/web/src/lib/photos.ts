import 'server-only';
import { randomBytes } from 'node:crypto';
import { createSupabaseServerClient } from '@/lib/supabase/server';

/**
 * Contact photos live in the hub's Storage (supabase-js's storage client, under the user's
 * session, so RLS decides), in a private bucket of the user's own; the person's
 * `properties.photo` names the object.
 */
export const PHOTO_TYPES: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
};
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;

/** Bucket ids are global (Supabase's rule): one per user, named after their id. */
export const photoBucketOf = (userId: string) => `contact-photos-${userId}`;

export async function storeContactPhoto(userId: string, personId: string, bytes: Blob, type: string) {
  const supabase = await createSupabaseServerClient();
  const bucket = photoBucketOf(userId);
  const created = await supabase.storage.createBucket(bucket, {
    public: false,
    allowedMimeTypes: Object.keys(PHOTO_TYPES),
    fileSizeLimit: MAX_PHOTO_BYTES,
  });
  // 409: it exists already (an earlier photo). Anything else is a real failure.
  if (
    created.error &&
    (created.error as { statusCode?: string }).statusCode !== '409' &&
    !/exist/i.test(created.error.message)
  )
    throw new Error(created.error.message);
  const path = `${personId}/${randomBytes(8).toString('hex')}.${PHOTO_TYPES[type]}`;
  const uploaded = await supabase.storage.from(bucket).upload(path, bytes, { contentType: type, upsert: false });
  if (uploaded.error) throw new Error(uploaded.error.message);
  return { bucket, path };
}

export async function readContactPhoto(photo: { bucket: string; path: string }): Promise<Blob | null> {
  const supabase = await createSupabaseServerClient();
  const { data, error } = await supabase.storage.from(photo.bucket).download(photo.path);
  return error ? null : data;
}

export async function removeContactPhoto(photo: { bucket: string; path: string }): Promise<void> {
  const supabase = await createSupabaseServerClient();
  await supabase.storage.from(photo.bucket).remove([photo.path]);
}
