import { randomBytes } from 'node:crypto';
import { NextResponse, type NextRequest } from 'next/server';
import { createSupabaseServerClient } from '@/lib/supabase/server';

/**
 * A file to attach to an email: the raw body, its name in `x-file-name` (URI-encoded), stored
 * in the user's private bucket for outgoing mail; answers the Storage path the send names. A
 * Route Handler, not a Server Action: files may exceed the 1 MB a Server Action accepts.
 */
const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

const fail = (status: number, message: string, code = 'bad_request') =>
  NextResponse.json({ error: { code, message } }, { status });

const safeName = (name: string) =>
  [...(name.split(/[\\/]/).pop() ?? '')]
    .map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || '"<>|:*?%#'.includes(c) ? '_' : c))
    .join('')
    .replace(/^\.+/, '')
    .slice(0, 120) || 'attachment';

export async function POST(request: NextRequest) {
  const supabase = await createSupabaseServerClient();
  const user = (await supabase.auth.getUser()).data.user;
  if (!user) return fail(401, 'Your session has ended. Sign in again to continue.', 'unauthorized');
  if (Number(request.headers.get('content-length') ?? 0) > MAX_ATTACHMENT_BYTES)
    return fail(413, 'Files attached to one email add up to at most 25 MB: send a link instead.', 'too_large');
  let name: string;
  try {
    name = safeName(decodeURIComponent(request.headers.get('x-file-name') ?? 'attachment'));
  } catch {
    name = 'attachment';
  }
  const type =
    (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase() || 'application/octet-stream';
  const bytes = await request.blob();
  if (bytes.size === 0) return fail(400, 'The file arrived empty. Choose it again.');
  if (bytes.size > MAX_ATTACHMENT_BYTES)
    return fail(413, 'Files attached to one email add up to at most 25 MB: send a link instead.', 'too_large');
  const bucket = `mail-outgoing-${user.id}`;
  const created = await supabase.storage.createBucket(bucket, { public: false });
  if (
    created.error &&
    (created.error as { statusCode?: string }).statusCode !== '409' &&
    !/exist/i.test(created.error.message)
  )
    return fail(502, `The file could not be stored: ${created.error.message}`, 'storage_failed');
  const path = `${randomBytes(8).toString('hex')}/${name}`;
  const uploaded = await supabase.storage.from(bucket).upload(path, bytes, { contentType: type, upsert: false });
  if (uploaded.error) return fail(502, `The file could not be stored: ${uploaded.error.message}`, 'storage_failed');
  return NextResponse.json({ path: `${bucket}/${path}`, name, size: bytes.size });
}
