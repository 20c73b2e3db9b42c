import type { NextRequest } from 'next/server';
import { proxyHubEventStream } from '@/lib/hub-stream';

/** The AI chat stream for the browser: the hub's POST /api/v1/ai/chat, passed through as it arrives. */
export function POST(request: NextRequest) {
  return proxyHubEventStream(request, '/api/v1/ai/chat');
}
