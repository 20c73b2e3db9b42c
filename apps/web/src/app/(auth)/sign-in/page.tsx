import type { Metadata } from 'next';
import { AuthForm } from '@/components/auth/auth-form';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { signIn } from '@/lib/actions/auth';

export const metadata: Metadata = { title: 'Sign in' };

const REASONS: Record<string, string> = {
  expired: 'Your session has ended. Sign in again to pick up where you left off.',
  'signed-out': 'You are signed out.',
};

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const reason = typeof params.reason === 'string' ? REASONS[params.reason] : undefined;
  const next = typeof params.next === 'string' ? params.next : undefined;
  return (
    <Card>
      <CardHeader>
        <CardTitle level={1}>Sign in to your hub</CardTitle>
        <CardDescription>Your contacts and notes stay on the hub you run.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {reason && (
          <p role="status" className="rounded-md border border-border bg-muted p-3 text-sm">
            {reason}
          </p>
        )}
        <AuthForm mode="sign-in" action={signIn} next={next} />
      </CardContent>
    </Card>
  );
}
