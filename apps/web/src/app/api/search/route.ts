import { NextResponse, type NextRequest } from 'next/server';
import { z } from 'zod';
import { HubError } from '@/lib/errors';
import { search, type SearchHit } from '@/lib/graph';
import { hubFetch } from '@/lib/hub';
import { EntityPageSchema } from '@/lib/model';
import { createSupabaseServerClient } from '@/lib/supabase/server';

/**
 * Global search for the command palette: the hub's /api/v1/search; on a hub without the
 * search module (404) it falls back to the graph's own title filter (GET /entities?q=).
 */
export async function GET(request: NextRequest) {
  const supabase = await createSupabaseServerClient();
  const { data } = await supabase.auth.getUser();
  if (!data.user)
    return NextResponse.json(
      { error: { code: 'unauthorized', message: 'Your session has ended. Sign in again to continue.' } },
      { status: 401 },
    );
  const q = z
    .string()
    .trim()
    .max(200)
    .catch('')
    .parse(request.nextUrl.searchParams.get('q') ?? '');
  if (!q) return NextResponse.json({ hits: [] });
  try {
    let hits: SearchHit[];
    try {
      hits = await search(q);
    } catch (error) {
      if (!(error instanceof HubError) || error.status !== 404) throw error;
      const page = EntityPageSchema.parse(await hubFetch('/entities', { query: { q, limit: 20 } }));
      hits = page.items.map((e) => ({
        id: e.id,
        type: e.type,
        title: e.title || 'Untitled',
        snippet: (e.body ?? '').slice(0, 140),
      }));
    }
    return NextResponse.json({ hits });
  } catch (error) {
    if (error instanceof HubError)
      return NextResponse.json(
        { error: { code: error.code, message: error.message } },
        { status: error.status || 502 },
      );
    throw error;
  }
}
