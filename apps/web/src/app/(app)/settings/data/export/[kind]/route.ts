import { NextResponse, type NextRequest } from 'next/server';
import { hubStream } from '@/lib/portability';

const paths: Record<string, string> = {
  contacts: '/exports/contacts.vcf',
  events: '/exports/events.ics',
  messages: '/exports/messages.mbox',
};

/** vCard, iCalendar and mbox exports, streamed from the hub as a download. `?ids=` picks persons. */
export async function GET(request: NextRequest, { params }: { params: Promise<{ kind: string }> }) {
  const { kind } = await params;
  const path = paths[kind];
  if (!path) return NextResponse.json({ error: { code: 'not_found', message: 'No such export.' } }, { status: 404 });
  const ids = request.nextUrl.searchParams.get('ids');
  const response = await hubStream(ids ? `${path}?ids=${encodeURIComponent(ids)}` : path);
  if (!response) return NextResponse.redirect(new URL('/sign-in?reason=expired', request.url));
  const headers = new Headers();
  for (const h of ['content-type', 'content-disposition']) {
    const v = response.headers.get(h);
    if (v) headers.set(h, v);
  }
  return new NextResponse(response.body, { status: response.status, headers });
}
