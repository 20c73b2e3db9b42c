import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { CodeForm } from '@/components/auth/code-form';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { createSupabaseServerClient } from '@/lib/supabase/server';

export const metadata: Metadata = { title: 'Enter your code' };

/** Sign-in's second step, for accounts with two-step sign-in on. */
export default async function SignInCodePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const supabase = await createSupabaseServerClient();
  const { data } = await supabase.auth.getSession();
  if (!data.session) redirect('/sign-in');
  const level = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
  const params = await searchParams;
  const next = typeof params.next === 'string' ? params.next : '/';
  if (level.data?.nextLevel !== 'aal2' || level.data.currentLevel === 'aal2') redirect(next);
  return (
    <Card>
      <CardHeader>
        <CardTitle level={1}>Enter your code</CardTitle>
        <CardDescription>
          Open your authenticator app and enter the 6-digit code for Made Open. Lost your phone? Enter one of your
          recovery codes instead.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <CodeForm next={next} />
      </CardContent>
    </Card>
  );
}
