'use client';
import { LoaderCircle } from 'lucide-react';
import Link from 'next/link';
import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import type { AuthFormState } from '@/lib/actions/auth';

export function AuthForm({
  mode,
  action,
  next,
}: {
  mode: 'sign-in' | 'sign-up';
  action: (prev: AuthFormState, form: FormData) => Promise<AuthFormState>;
  next?: string | undefined;
}) {
  const [state, formAction, pending] = useActionState(action, {});
  const signUp = mode === 'sign-up';
  return (
    <form action={formAction} className="grid gap-4" noValidate>
      {next && <input type="hidden" name="next" value={next} />}
      {state.error && (
        <p
          role="alert"
          className="rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm text-foreground"
        >
          {state.error}
        </p>
      )}
      <Field id="email" label="Email" error={state.fieldErrors?.email}>
        {(aria) => (
          <Input
            {...aria}
            name="email"
            type="email"
            autoComplete="email"
            defaultValue={state.email}
            required
            autoFocus
          />
        )}
      </Field>
      <Field
        id="password"
        label="Password"
        hint={signUp ? 'At least 8 characters.' : undefined}
        error={state.fieldErrors?.password}
      >
        {(aria) => (
          <Input
            {...aria}
            name="password"
            type="password"
            autoComplete={signUp ? 'new-password' : 'current-password'}
            required
          />
        )}
      </Field>
      {signUp && (
        <Field id="confirm" label="Repeat password" error={state.fieldErrors?.confirm}>
          {(aria) => <Input {...aria} name="confirm" type="password" autoComplete="new-password" required />}
        </Field>
      )}
      <Button type="submit" disabled={pending} className="w-full">
        {pending && <LoaderCircle className="animate-spin" aria-hidden="true" />}
        {signUp ? 'Create account' : 'Sign in'}
      </Button>
      <p className="text-center text-sm text-muted-foreground">
        {signUp ? (
          <>
            Already have an account?{' '}
            <Link className="font-medium text-primary underline-offset-4 hover:underline" href="/sign-in">
              Sign in
            </Link>
          </>
        ) : (
          <>
            New here?{' '}
            <Link className="font-medium text-primary underline-offset-4 hover:underline" href="/sign-up">
              Create an account
            </Link>
          </>
        )}
      </p>
    </form>
  );
}
