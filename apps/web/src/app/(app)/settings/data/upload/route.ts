import { NextResponse, type NextRequest } from 'next/server';
import { hubStream } from '@/lib/portability';

/**
 * An import file, streamed through to the hub (POST /api/v1/imports) as the signed-in
 * user; answers the hub's preview. A Route Handler: files are far larger than a Server
 * Action accepts.
 */
export async function POST(request: NextRequest) {
  let name = 'upload';
  try {
    name =
      decodeURIComponent(request.headers.get('x-file-name') ?? 'upload')
        .split(/[\\/]/)
        .pop() || 'upload';
  } catch {
    // keep the default
  }
  const response = await hubStream(`/imports?name=${encodeURIComponent(name.slice(0, 255))}`, {
    method: 'POST',
    body: request.body,
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (!response)
    return NextResponse.json(
      { error: { code: 'unauthorized', message: 'Your session has ended. Sign in again.' } },
      { status: 401 },
    );
  return new NextResponse(response.body, { status: response.status, headers: { 'content-type': 'application/json' } });
}
