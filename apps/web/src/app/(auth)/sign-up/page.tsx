import type { Metadata } from 'next';
import { AuthForm } from '@/components/auth/auth-form';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { signUp } from '@/lib/actions/auth';

export const metadata: Metadata = { title: 'Create an account' };

export default function SignUpPage() {
  return (
    <Card>
      <CardHeader>
        <CardTitle level={1}>Create your account</CardTitle>
        <CardDescription>The account lives on this hub only. Nobody else can read what you keep here.</CardDescription>
      </CardHeader>
      <CardContent>
        <AuthForm mode="sign-up" action={signUp} />
      </CardContent>
    </Card>
  );
}
