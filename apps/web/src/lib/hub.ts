import 'server-only';
import { notFound, redirect } from 'next/navigation';
import { browserHeaders } from '@/lib/browser-headers';
import { webEnv } from '@/lib/env';
import { friendlyHubError, HubError, type HubErrorBody } from '@/lib/errors';
import { createSupabaseServerClient } from '@/lib/supabase/server';

export const SESSION_ENDED = '/sign-in?reason=expired';

async function accessToken(): Promise<string> {
  const supabase = await createSupabaseServerClient();
  const { data } = await supabase.auth.getSession();
  const token = data.session?.access_token;
  if (!token) redirect(SESSION_ENDED);
  return token;
}

/**
 * Calls the hub's REST API (/api/v1) as the signed-in user. Throws HubError with a message
 * fit for people; a 401 (session gone) sends the browser back to sign-in.
 */
export async function hubFetch<T>(
  path: string,
  init: {
    method?: string;
    body?: unknown;
    query?: Record<string, string | number | undefined>;
    headers?: Record<string, string>;
  } = {},
): Promise<T> {
  const token = await accessToken();
  const url = new URL(`/api/v1${path}`, webEnv().supabaseUrl);
  for (const [k, v] of Object.entries(init.query ?? {}))
    if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        ...(await browserHeaders()),
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      cache: 'no-store',
    });
  } catch {
    throw new HubError(0, 'unreachable', friendlyHubError(0, undefined, undefined));
  }
  if (response.status === 401) redirect(SESSION_ENDED);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: handled below
  }
  if (!response.ok) {
    const body = (json ?? {}) as HubErrorBody;
    const code = body.error?.code ?? `http_${response.status}`;
    throw new HubError(
      response.status,
      code,
      friendlyHubError(response.status, body.error?.code, body.error?.message),
      body.error?.details,
    );
  }
  return json as T;
}

/** For Server Actions: the outcome as data, so the client can roll back and show words. */
/** The hub's raw answer (a file download) as the signed-in user; the caller reads status and body. */
export async function hubResponse(path: string): Promise<Response> {
  const token = await accessToken();
  return fetch(new URL(`/api/v1${path}`, webEnv().supabaseUrl), {
    headers: { ...(await browserHeaders()), authorization: `Bearer ${token}` },
    cache: 'no-store',
  });
}

export type ActionResult<T = undefined> =
  { ok: true; data: T } | { ok: false; error: string; code?: string; fieldErrors?: Record<string, string> };

export async function attempt<T>(fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await fn() };
  } catch (error) {
    if (error instanceof HubError) return { ok: false, error: error.message, code: error.code };
    // redirect() and notFound() signal through exceptions: let Next handle them.
    throw error;
  }
}

/** For Server Components: a hub failure becomes data the page renders as words (404 -> notFound()). */
export async function load<T>(fn: () => Promise<T>): Promise<{ ok: true; data: T } | { ok: false; error: string }> {
  try {
    return { ok: true, data: await fn() };
  } catch (error) {
    if (error instanceof HubError) {
      if (error.status === 404) notFound();
      return { ok: false, error: error.message };
    }
    throw error;
  }
}
