import { NextResponse, type NextRequest } from 'next/server';
import { hubResponse } from '@/lib/hub';
import { createSupabaseServerClient } from '@/lib/supabase/server';

/**
 * An email attachment, streamed from the hub (GET /api/v1/messages/:id/attachments/:aid, which
 * fetches it from the mail account on first open) under the user's session. Always a download:
 * never shown inline on this origin.
 */
const fail = (status: number, message: string, code = 'bad_request') =>
  NextResponse.json({ error: { code, message } }, { status });

export async function GET(
  _request: NextRequest,
  { params }: { params: Promise<{ messageId: string; attachmentId: string }> },
) {
  const supabase = await createSupabaseServerClient();
  if (!(await supabase.auth.getUser()).data.user)
    return fail(401, 'Your session has ended. Sign in again to continue.', 'unauthorized');
  const { messageId, attachmentId } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(messageId) || attachmentId.length > 600)
    return fail(404, 'No such attachment.', 'not_found');
  let upstream: Response;
  try {
    upstream = await hubResponse(
      `/messages/${encodeURIComponent(messageId)}/attachments/${encodeURIComponent(decodeURIComponent(attachmentId))}`,
    );
  } catch {
    return fail(502, 'Could not reach your hub. Try again in a moment.', 'unreachable');
  }
  if (!upstream.ok) {
    const body = (await upstream.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    return fail(upstream.status, body.error?.message ?? 'The attachment could not be opened.', body.error?.code);
  }
  const headers = new Headers({
    'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
    'content-disposition': upstream.headers.get('content-disposition') ?? 'attachment',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'cache-control': 'private, no-store',
  });
  const length = upstream.headers.get('content-length');
  if (length) headers.set('content-length', length);
  return new NextResponse(upstream.body, { headers });
}
