import { LogOut, MonitorSmartphone } from 'lucide-react';
import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { PageHeader } from '@/components/page-header';
import { EmailSenderForm } from '@/components/settings/email-sender-form';
import { PasswordForm } from '@/components/settings/password-form';
import { RegionForm } from '@/components/settings/region-form';
import { SignUpSwitch } from '@/components/settings/sign-up-switch';
import { ThemeChoice } from '@/components/settings/theme-choice';
import { TwoStepSetup } from '@/components/settings/two-step-card';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { signOut, signOutEverywhere } from '@/lib/actions/auth';
import { SESSION_ENDED, load } from '@/lib/hub';
import { getEmailSender } from '@/lib/email-sender';
import { createSupabaseServerClient } from '@/lib/supabase/server';
import { getAccountSettings, regionOptions } from '@/lib/account';
import { LocalTime } from '@/components/ui/local-time';

export const metadata: Metadata = { title: 'Account settings' };

export default async function SettingsPage() {
  const supabase = await createSupabaseServerClient();
  const [{ data: userData }, { data: sessionData }, settings] = await Promise.all([
    supabase.auth.getUser(),
    supabase.auth.getSession(),
    getAccountSettings(),
  ]);
  const user = userData.user;
  if (!user) redirect(SESSION_ENDED);
  // Only the owner may read or set the hub's email sender.
  const sender = settings.hubOwner ? await load(getEmailSender) : undefined;
  const expiresAt = sessionData.session?.expires_at;
  const verifiedFactor = user.factors?.find((f) => f.status === 'verified' && f.factor_type === 'totp');
  return (
    <>
      <PageHeader title="Account" description="Your profile, region, password, appearance and sessions." />
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
              <dd>
                <LocalTime iso={user.created_at} />
              </dd>
              <dt className="text-muted-foreground">Last sign-in</dt>
              <dd>
                <LocalTime iso={user.last_sign_in_at} />
              </dd>
              <dt className="text-muted-foreground">Account id</dt>
              <dd className="break-all font-mono text-xs">{user.id}</dd>
            </dl>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Region</CardTitle>
          </CardHeader>
          <CardContent>
            <RegionForm initial={settings.defaultRegion} regions={regionOptions()} />
          </CardContent>
        </Card>
        {settings.hubOwner && (
          <Card>
            <CardHeader>
              <CardTitle>Sign-up</CardTitle>
              <CardDescription>You own this hub (its first account): you decide who else may join.</CardDescription>
            </CardHeader>
            <CardContent>
              <SignUpSwitch initial={settings.signUpOpen ?? true} />
            </CardContent>
          </Card>
        )}
        {sender && (
          <Card>
            <CardHeader>
              <CardTitle>Email sender</CardTitle>
              <CardDescription>
                Password recovery, email confirmation and sign-in links go out through your own mail account (SMTP).
                Without one they are off.
              </CardDescription>
            </CardHeader>
            <CardContent>
              {sender.ok ? (
                <EmailSenderForm initial={sender.data} />
              ) : (
                <p role="alert" className="text-sm text-destructive">
                  {sender.error}
                </p>
              )}
            </CardContent>
          </Card>
        )}
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
            <CardTitle>Two-step sign-in</CardTitle>
            <CardDescription>A code from an authenticator app, asked for after your password.</CardDescription>
          </CardHeader>
          <CardContent>
            <TwoStepSetup factorId={verifiedFactor?.id ?? null} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Sessions</CardTitle>
            <CardDescription>
              This browser stays signed in and renews its access automatically
              {expiresAt ? (
                <>
                  {' '}
                  (current access valid until <LocalTime iso={new Date(expiresAt * 1000).toISOString()} />)
                </>
              ) : null}
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
