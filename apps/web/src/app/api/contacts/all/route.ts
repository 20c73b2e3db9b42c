import { NextResponse } from 'next/server';
import { HubError } from '@/lib/errors';
import { listContactRows } from '@/lib/graph';
import { createSupabaseServerClient } from '@/lib/supabase/server';

/**
 * Every contact as a list row, for the contacts screen: the page itself renders only the first
 * screenful, so the HTML stays small and paints fast; this fills in the rest right after.
 */
export async function GET() {
  const supabase = await createSupabaseServerClient();
  const { data } = await supabase.auth.getUser();
  if (!data.user)
    return NextResponse.json(
      { error: { code: 'unauthorized', message: 'Your session has ended. Sign in again to continue.' } },
      { status: 401 },
    );
  try {
    return NextResponse.json(await listContactRows(), { headers: { 'cache-control': 'private, no-store' } });
  } catch (error) {
    if (error instanceof HubError)
      return NextResponse.json(
        { error: { code: error.code, message: error.message } },
        { status: error.status || 502 },
      );
    throw error;
  }
}
