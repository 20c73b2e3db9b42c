import 'server-only';
import { headers } from 'next/headers';
import { webEnv } from '@/lib/env';
import { forwardingHeaders } from '@/lib/forwarding';

/** This request's browser address and User-Agent, for the web server's calls to the hub (lib/forwarding.ts). */
export async function browserHeaders(): Promise<Record<string, string>> {
  return forwardingHeaders(await headers(), webEnv().trustedHops);
}
