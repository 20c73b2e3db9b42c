import { createServerClient } from '@supabase/ssr';
import { NextResponse, type NextRequest } from 'next/server';
import { webEnv } from '@/lib/env';
import { forwardingHeaders } from '@/lib/forwarding';
import { hasAuthCookie } from '@/lib/supabase/cookies';

const PUBLIC = ['/sign-in', '/sign-up'];
const SIGN_IN_CODE = '/sign-in/code';
/** Open to anyone, signed in or not: a video call's guest link (the hub checks its token). */
const GUEST = ['/video/join/'];

/**
 * Runs before every page: refreshes the Supabase session (rotating cookies), sends people
 * without a session to sign-in, and tells them when a session they had has ended.
 */
export async function proxy(request: NextRequest) {
  const env = webEnv();
  let response = NextResponse.next({ request });
  const supabase = createServerClient(env.supabaseUrl, env.supabaseAnonKey, {
    // Session refreshes count against the browser's address at the hub (lib/forwarding.ts).
    global: { headers: forwardingHeaders(request.headers, env.trustedHops) },
    cookies: {
      getAll: () => request.cookies.getAll(),
      setAll: (list) => {
        for (const { name, value } of list) request.cookies.set(name, value);
        response = NextResponse.next({ request });
        for (const { name, value, options } of list) response.cookies.set(name, value, options);
      },
    },
  });

  const hadSession = hasAuthCookie(request.cookies.getAll().map((c) => c.name));
  const { data, error } = await supabase.auth.getUser();
  const unreachable = error?.name === 'AuthRetryableFetchError' || error?.status === 0;
  const user = data.user;
  const path = request.nextUrl.pathname;
  const isPublic = PUBLIC.some((p) => path === p || path.startsWith(`${p}/`));
  if (GUEST.some((p) => path.startsWith(p))) return response;

  const redirectTo = (target: URL) => {
    const r = NextResponse.redirect(target);
    for (const c of response.cookies.getAll()) r.cookies.set(c);
    return r;
  };

  if (!user && !isPublic && !unreachable) {
    const target = new URL('/sign-in', request.url);
    if (hadSession) target.searchParams.set('reason', 'expired');
    if (path !== '/') target.searchParams.set('next', path + request.nextUrl.search);
    return redirectTo(target);
  }
  // The code step of two-step sign-in is for a session that has the password but not yet the code.
  if (user && isPublic && path !== SIGN_IN_CODE) return redirectTo(new URL('/', request.url));
  return response;
}

export const config = {
  // Icons and the web manifest are public: a browser fetches them without the session.
  matcher: ['/((?!_next/static|_next/image|favicon.ico|manifest.webmanifest|api/|.*\\.(?:svg|png|jpg|ico|webp)$).*)'],
};
