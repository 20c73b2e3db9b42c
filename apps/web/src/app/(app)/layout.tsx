import type { ReactNode } from 'react';
import { AppShell } from '@/components/shell/app-shell';
import { webEnv } from '@/lib/env';
import { createSupabaseServerClient } from '@/lib/supabase/server';
import { redirect } from 'next/navigation';
import { SESSION_ENDED } from '@/lib/hub';
import { shellConnections } from '@/lib/connections/shell';

/** The email claim of the access token (the proxy verified the session with the hub on this request). */
function emailOf(accessToken: string): string {
  try {
    const payload = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      email?: unknown;
    };
    return typeof payload.email === 'string' ? payload.email : '';
  } catch {
    return '';
  }
}

export default async function AppLayout({ children }: { children: ReactNode }) {
  const supabase = await createSupabaseServerClient();
  const { data } = await supabase.auth.getSession();
  if (!data.session) redirect(SESSION_ENDED);
  // Two-step sign-in: a session with only the password goes to the code step first.
  const level = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
  if (level.data?.nextLevel === 'aal2' && level.data.currentLevel !== 'aal2') redirect('/sign-in/code');
  const env = webEnv();
  const connections = await shellConnections();
  return (
    <AppShell
      email={emailOf(data.session.access_token)}
      voice={connections.voice}
      signInAgain={connections.signInAgain}
      realtime={env.realtime ? { url: env.supabaseUrl, anonKey: env.supabaseAnonKey } : null}
    >
      {children}
    </AppShell>
  );
}
