import { NextResponse, type NextRequest } from 'next/server';
import { hubStream } from '@/lib/portability';

/** The takeout archive, streamed from the hub; the hub lets it be downloaded once. */
export async function GET(request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id))
    return NextResponse.json({ error: { code: 'not_found', message: 'No such takeout.' } }, { status: 404 });
  const response = await hubStream(`/takeouts/${id}/download`);
  if (!response) return NextResponse.redirect(new URL('/sign-in?reason=expired', request.url));
  const headers = new Headers();
  for (const h of ['content-type', 'content-disposition', 'content-length']) {
    const v = response.headers.get(h);
    if (v) headers.set(h, v);
  }
  return new NextResponse(response.body, { status: response.status, headers });
}
