import { NextResponse, type NextRequest } from 'next/server';
import { z } from 'zod';
import { proxyHubEventStream } from '@/lib/hub-stream';

/** A contact summary as it is written: the hub's POST /api/v1/ai/people/:id/summary as Server-Sent Events. */
export async function POST(request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success)
    return NextResponse.json({ error: { code: 'validation_failed', message: 'Not a contact.' } }, { status: 400 });
  return proxyHubEventStream(request, `/api/v1/ai/people/${id}/summary`);
}
