import { NextResponse, type NextRequest } from 'next/server';
import { hubStream } from '@/lib/portability';

/**
 * A takeout archive (.tar.gz), streamed through to the hub (POST /api/v1/takeouts/restore)
 * as the signed-in user, never held in memory here; answers the hub's restore record (202)
 * or its refusal. A Route Handler: archives are far larger than a Server Action accepts.
 */
export async function POST(request: NextRequest) {
  const response = await hubStream('/takeouts/restore', {
    method: 'POST',
    body: request.body,
    headers: { 'content-type': 'application/gzip' },
  });
  if (!response)
    return NextResponse.json(
      { error: { code: 'unauthorized', message: 'Your session has ended. Sign in again.' } },
      { status: 401 },
    );
  return new NextResponse(response.body, { status: response.status, headers: { 'content-type': 'application/json' } });
}
