import 'server-only';
import { NextResponse, type NextRequest } from 'next/server';
import { browserHeaders } from '@/lib/browser-headers';
import { webEnv } from '@/lib/env';
import { createSupabaseServerClient } from '@/lib/supabase/server';

/**
 * A hub answer of Server-Sent Events for the browser, passed through as it arrives (the
 * browser cannot hold the hub token). When the browser stops (aborts), the hub request is
 * aborted too, and the hub stops the model. Errors before the stream are the hub's JSON.
 */
export async function proxyHubEventStream(request: NextRequest, hubPath: string): Promise<Response> {
  const supabase = await createSupabaseServerClient();
  const { data } = await supabase.auth.getSession();
  const token = data.session?.access_token;
  if (!token)
    return NextResponse.json(
      { error: { code: 'unauthorized', message: 'Your session has ended. Sign in again to continue.' } },
      { status: 401 },
    );
  let hub: Response;
  try {
    hub = await fetch(new URL(hubPath, webEnv().supabaseUrl), {
      method: 'POST',
      headers: {
        ...(await browserHeaders()),
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'text/event-stream',
      },
      body: await request.text(),
      signal: request.signal,
      cache: 'no-store',
    });
  } catch {
    return NextResponse.json(
      { error: { code: 'unreachable', message: 'The hub could not be reached. Try again in a moment.' } },
      { status: 502 },
    );
  }
  if (!hub.ok || !hub.body) {
    const body = await hub.text();
    return new NextResponse(body, { status: hub.status, headers: { 'content-type': 'application/json' } });
  }
  return new Response(hub.body, {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform' },
  });
}
