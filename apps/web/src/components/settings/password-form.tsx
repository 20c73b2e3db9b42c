'use client';
import { LoaderCircle } from 'lucide-react';
import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { changePassword } from '@/lib/actions/account';

export function PasswordForm() {
  const [state, action, pending] = useActionState(changePassword, {});
  return (
    <form action={action} noValidate className="grid max-w-sm gap-3" aria-label="Change password">
      {state.error && (
        <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm">
          {state.error}
        </p>
      )}
      {state.ok && (
        <p role="status" className="rounded-md border border-border bg-muted p-3 text-sm">
          Password changed. Your other devices were signed out; use it the next time you sign in.
        </p>
      )}
      <Field id="current-password" label="Current password" error={state.fieldErrors?.current}>
        {(aria) => <Input {...aria} name="current" type="password" autoComplete="current-password" required />}
      </Field>
      <Field
        id="new-password"
        label="New password"
        hint="At least 8 characters, not only spaces."
        error={state.fieldErrors?.password}
      >
        {(aria) => <Input {...aria} name="password" type="password" autoComplete="new-password" required />}
      </Field>
      <Field id="confirm-password" label="Repeat new password" error={state.fieldErrors?.confirm}>
        {(aria) => <Input {...aria} name="confirm" type="password" autoComplete="new-password" required />}
      </Field>
      <div>
        <Button type="submit" disabled={pending}>
          {pending && <LoaderCircle className="animate-spin" aria-hidden="true" />}
          Change password
        </Button>
      </div>
    </form>
  );
}
