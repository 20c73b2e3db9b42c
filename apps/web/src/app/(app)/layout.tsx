import type { ReactNode } from 'react';
import { AppShell } from '@/components/shell/app-shell';
import { webEnv } from '@/lib/env';
import { createSupabaseServerClient } from '@/lib/supabase/server';
import { redirect } from 'next/navigation';
import { SESSION_ENDED } from '@/lib/hub';

export default async function AppLayout({ children }: { children: ReactNode }) {
  const supabase = await createSupabaseServerClient();
  const { data } = await supabase.auth.getSession();
  if (!data.session) redirect(SESSION_ENDED);
  const env = webEnv();
  return (
    <AppShell
      email={data.session.user.email ?? ''}
      realtime={env.realtime ? { url: env.supabaseUrl, anonKey: env.supabaseAnonKey } : null}
    >
      {children}
    </AppShell>
  );
}
