import 'server-only';
import { createServerClient } from '@supabase/ssr';
import { cookies } from 'next/headers';
import { browserHeaders } from '@/lib/browser-headers';
import { webEnv } from '@/lib/env';

/**
 * A Supabase client bound to this request's cookies. In Server Components cookies are
 * read-only: the proxy (src/proxy.ts) has already refreshed the session, so writes there
 * are safely ignored. Server Actions and Route Handlers can write them.
 */
export async function createSupabaseServerClient() {
  const store = await cookies();
  const env = webEnv();
  return createServerClient(env.supabaseUrl, env.supabaseAnonKey, {
    // Sign-in and refresh count against the browser's address at the hub, not the web server's.
    global: { headers: await browserHeaders() },
    cookies: {
      getAll: () => store.getAll(),
      setAll: (list) => {
        try {
          for (const { name, value, options } of list) store.set(name, value, options);
        } catch {
          // Called from a Server Component: the proxy keeps the session fresh instead.
        }
      },
    },
  });
}
