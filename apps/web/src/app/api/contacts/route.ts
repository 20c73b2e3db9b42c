import { NextResponse, type NextRequest } from 'next/server';
import { z } from 'zod';
import { HubError } from '@/lib/errors';
import { EntityPageSchema, toContact } from '@/lib/model';
import { hubFetch } from '@/lib/hub';
import { createSupabaseServerClient } from '@/lib/supabase/server';

/** Contacts matching q, for pickers in the browser (merge). The session comes from cookies. */
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
    .max(200)
    .catch('')
    .parse(request.nextUrl.searchParams.get('q') ?? '');
  try {
    const page = EntityPageSchema.parse(
      await hubFetch('/entities', { query: { type: 'person', q: q || undefined, limit: 20 } }),
    );
    return NextResponse.json({ items: page.items.map(toContact) });
  } catch (error) {
    if (error instanceof HubError)
      return NextResponse.json(
        { error: { code: error.code, message: error.message } },
        { status: error.status || 502 },
      );
    throw error;
  }
}
