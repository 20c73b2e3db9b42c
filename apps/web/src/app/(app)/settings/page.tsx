import { LogOut, MonitorSmartphone } from 'lucide-react';
import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { PageHeader } from '@/components/page-header';
import { PasswordForm } from '@/components/settings/password-form';
import { ThemeChoice } from '@/components/settings/theme-choice';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { signOut, signOutEverywhere } from '@/lib/actions/auth';
import { SESSION_ENDED } from '@/lib/hub';
import { createSupabaseServerClient } from '@/lib/supabase/server';
import { formatDate } from '@/lib/utils';

export const metadata: Metadata = { title: 'Account settings' };

export default async function SettingsPage() {
  const supabase = await createSupabaseServerClient();
  const [{ data: userData }, { data: sessionData }] = await Promise.all([
    supabase.auth.getUser(),
    supabase.auth.getSession(),
  ]);
  const user = userData.user;
  if (!user) redirect(SESSION_ENDED);
  const expiresAt = sessionData.session?.expires_at;
  return (
    <>
      <PageHeader title="Account" description="Your profile, password, appearance and sessions." />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Profile</CardTitle>
          </CardHeader>
          <CardContent>
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
              <dt className="text-muted-foreground">Email</dt>
              <dd className="break-all">{user.email}</dd>
              <dt className="text-muted-foreground">Account created</dt>
              <dd>{formatDate(user.created_at)}</dd>
              <dt className="text-muted-foreground">Last sign-in</dt>
              <dd>{formatDate(user.last_sign_in_at) || '—'}</dd>
              <dt className="text-muted-foreground">Account id</dt>
              <dd className="break-all font-mono text-xs">{user.id}</dd>
            </dl>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Appearance</CardTitle>
          </CardHeader>
          <CardContent>
            <ThemeChoice />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Password</CardTitle>
          </CardHeader>
          <CardContent>
            <PasswordForm />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Sessions</CardTitle>
            <CardDescription>
              This browser stays signed in and renews its access automatically
              {expiresAt ? ` (current access valid until ${formatDate(new Date(expiresAt * 1000).toISOString())})` : ''}
              .
            </CardDescription>
          </CardHeader>
          <CardContent className="flex flex-wrap gap-2">
            <form action={signOut}>
              <Button type="submit" variant="outline">
                <LogOut aria-hidden="true" /> Sign out
              </Button>
            </form>
            <form action={signOutEverywhere}>
              <Button type="submit" variant="outline">
                <MonitorSmartphone aria-hidden="true" /> Sign out on every device
              </Button>
            </form>
          </CardContent>
        </Card>
      </div>
    </>
  );
}
