import type { RestoreReport } from '@made-open/shared/portability-api';
import 'server-only';
import { browserHeaders } from '@/lib/browser-headers';
import { webEnv } from '@/lib/env';
import { hubFetch } from '@/lib/hub';
import { createSupabaseServerClient } from '@/lib/supabase/server';

/** The hub's import and takeout records (apps/hub/src/modules/portability), as the screens use them. */
export interface ImportLine {
  line: number;
  message: string;
}
export type DuplicatesChoice = 'suggest' | 'merge';
export interface ImportRecord {
  id: string;
  kind: 'vcard' | 'csv' | 'ics' | 'mbox' | 'eml';
  fileName: string;
  byteSize: number;
  status: 'previewed' | 'queued' | 'running' | 'committed' | 'failed' | 'undone';
  /** What the commit does with contacts you already have: suggest merges, or merge them in. */
  duplicates: DuplicatesChoice;
  mapping: string[] | null;
  preview: {
    counts: { contacts: number; events: number; messages: number; errors: number; warnings: number };
    duplicates: { line: number; name: string; personId: string; personName: string; reasons: string[] }[];
    duplicatesTotal: number;
    errors: ImportLine[];
    warnings: ImportLine[];
    csv?: { header: string[]; preset: string; mapping: string[] };
  };
  progress: { done: number; total: number };
  result: {
    created?: number;
    updated?: number;
    failed?: number;
    merged?: number;
    removed?: number;
    mergeSuggestions?: unknown[];
  } | null;
  error: string | null;
  createdAt: string;
}
export interface TakeoutRecord {
  id: string;
  status: 'queued' | 'running' | 'ready' | 'downloaded' | 'failed';
  progress: { done: number; total: number };
  byteSize: number | null;
  error: string | null;
  createdAt: string;
}

export const listImports = async () => (await hubFetch<{ items: ImportRecord[] }>('/imports')).items;
export const getImport = (id: string) => hubFetch<ImportRecord>(`/imports/${id}`);
export const listTakeouts = async () => (await hubFetch<{ items: TakeoutRecord[] }>('/takeouts')).items;
export const getTakeout = (id: string) => hubFetch<TakeoutRecord>(`/takeouts/${id}`);

/**
 * Streams a request to or a response from the hub as the signed-in user (uploads and
 * downloads larger than a Server Action carries). Null when the session is gone.
 */
export async function hubStream(
  path: string,
  init: { method?: string; body?: ReadableStream<Uint8Array> | null; headers?: Record<string, string> } = {},
) {
  const supabase = await createSupabaseServerClient();
  const token = (await supabase.auth.getSession()).data.session?.access_token;
  if (!token) return null;
  return fetch(new URL(`/api/v1${path}`, webEnv().supabaseUrl), {
    method: init.method ?? 'GET',
    headers: { ...(await browserHeaders()), authorization: `Bearer ${token}`, ...init.headers },
    ...(init.body ? { body: init.body, duplex: 'half' } : {}),
    cache: 'no-store',
  } as RequestInit);
}

/** A takeout being restored into this account (POST /takeouts/restore), and its report. */
export type { RestoreReport } from '@made-open/shared/portability-api';
export interface RestoreRecord {
  id: string;
  status: 'queued' | 'running' | 'restored' | 'failed';
  /** Archive bytes read of its size. */
  progress: { done: number; total: number };
  report: RestoreReport | null;
  /** Why it was refused: the HTTP status the refusal would have had, its code and message. */
  error: { status: number; code: string; message: string } | null;
  createdAt: string;
  finishedAt: string | null;
}

export const getRestore = (id: string) => hubFetch<RestoreRecord>(`/takeouts/restore/${id}`);
