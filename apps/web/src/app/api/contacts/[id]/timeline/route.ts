import { NextResponse, type NextRequest } from 'next/server';
import { z } from 'zod';
import { HubError } from '@/lib/errors';
import { getPersonTimeline } from '@/lib/timeline';
import { createSupabaseServerClient } from '@/lib/supabase/server';

const cursorSchema = z
  .string()
  .max(200)
  .regex(/^[\w-]+$/)
  .optional()
  .catch(undefined);

/** The next page of a contact's timeline, for "Show older" in the browser. The session comes from cookies. */
export async function GET(request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const supabase = await createSupabaseServerClient();
  const { data } = await supabase.auth.getUser();
  if (!data.user)
    return NextResponse.json(
      { error: { code: 'unauthorized', message: 'Your session has ended. Sign in again to continue.' } },
      { status: 401 },
    );
  const { id } = await params;
  const cursor = cursorSchema.parse(request.nextUrl.searchParams.get('cursor') ?? undefined);
  try {
    return NextResponse.json(await getPersonTimeline(id, cursor));
  } catch (error) {
    if (error instanceof HubError)
      return NextResponse.json(
        { error: { code: error.code, message: error.message } },
        { status: error.status || 502 },
      );
    throw error;
  }
}
