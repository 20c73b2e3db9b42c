import 'server-only';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrustedHops } from '@/lib/forwarding';

export interface WebEnv {
  /** Base URL of the hub (or of a Supabase project): serves /auth/v1 and /api/v1. */
  supabaseUrl: string;
  supabaseAnonKey: string;
  /** Live updates over Supabase Realtime at /realtime/v1; MADE_OPEN_REALTIME=0 turns them off. */
  realtime: boolean;
  /** WEB_TRUST_PROXY: proxies in front of the web app whose X-Forwarded-For names the browser (lib/forwarding.ts). */
  trustedHops: number;
}

let cached: WebEnv | undefined;

/**
 * Read at request time, not at build time, so one production build runs against any hub.
 * SUPABASE_ANON_KEY may be omitted when DATA_DIR points at the hub's data directory,
 * where the hub writes its anon key.
 */
export function webEnv(): WebEnv {
  if (cached) return cached;
  const url = process.env.SUPABASE_URL ?? process.env.NEXT_PUBLIC_SUPABASE_URL ?? 'http://127.0.0.1:4000';
  let key = process.env.SUPABASE_ANON_KEY ?? process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY;
  if (!key) {
    const file = join(process.env.DATA_DIR ?? '.made-open', 'anon-key');
    try {
      key = readFileSync(file, 'utf8').trim();
    } catch {
      throw new Error(
        `SUPABASE_ANON_KEY is not set and ${file} cannot be read: set SUPABASE_ANON_KEY to the hub's anon key (the hub writes it to $DATA_DIR/anon-key).`,
      );
    }
  }
  try {
    new URL(url);
  } catch {
    throw new Error(`SUPABASE_URL must be a URL such as http://127.0.0.1:4000 (got "${url}")`);
  }
  cached = {
    supabaseUrl: url.replace(/\/+$/, ''),
    supabaseAnonKey: key,
    realtime: process.env.MADE_OPEN_REALTIME !== '0',
    trustedHops: parseTrustedHops(process.env.WEB_TRUST_PROXY),
  };
  return cached;
}
