import type { NextRequest } from 'next/server';
import { proxyHubEventStream } from '@/lib/hub-stream';

/** A reply draft as the model writes it: the hub's POST /api/v1/ai/drafts as Server-Sent Events. */
export function POST(request: NextRequest) {
  return proxyHubEventStream(request, '/api/v1/ai/drafts');
}
