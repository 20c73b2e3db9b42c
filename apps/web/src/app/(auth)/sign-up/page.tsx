import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { AuthForm } from '@/components/auth/auth-form';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { signUp } from '@/lib/actions/auth';
import { webEnv } from '@/lib/env';

export const metadata: Metadata = { title: 'Create an account' };

/**
 * Whether the hub takes new accounts (GoTrue's public /settings). Unknown (hub unreachable)
 * counts as open: the form then says what went wrong when it is sent.
 */
async function signUpClosed(): Promise<boolean> {
  const env = webEnv();
  try {
    const response = await fetch(new URL('/auth/v1/settings', env.supabaseUrl), {
      headers: { apikey: env.supabaseAnonKey },
      cache: 'no-store',
    });
    if (!response.ok) return false;
    return ((await response.json()) as { disable_signup?: unknown }).disable_signup === true;
  } catch {
    return false;
  }
}

export default async function SignUpPage() {
  await connection();
  const closed = await signUpClosed();
  return (
    <Card>
      <CardHeader>
        <CardTitle level={1}>{closed ? 'Sign-up is closed' : 'Create your account'}</CardTitle>
        <CardDescription>
          {closed
            ? 'This hub is not taking new accounts: its owner has closed sign-up. Ask them to open it, or sign in if you have an account.'
            : 'The account lives on this hub only. Nobody else can read what you keep here.'}
        </CardDescription>
      </CardHeader>
      <CardContent>
        {closed ? (
          <Button asChild className="w-full">
            <Link href="/sign-in">Sign in</Link>
          </Button>
        ) : (
          <AuthForm mode="sign-up" action={signUp} />
        )}
      </CardContent>
    </Card>
  );
}
