'use client';
import { LoaderCircle } from 'lucide-react';
import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { verifySignInCode } from '@/lib/actions/mfa';

export function CodeForm({ next }: { next: string }) {
  const [state, action, pending] = useActionState(verifySignInCode, {});
  return (
    <form action={action} className="grid gap-4" noValidate aria-label="Sign-in code">
      <input type="hidden" name="next" value={next} />
      {state.error && (
        <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm">
          {state.error}
        </p>
      )}
      <Field id="code" label="Code" hint="6 digits, or a recovery code like abcde-12345.">
        {(aria) => (
          <Input
            {...aria}
            name="code"
            inputMode="text"
            autoComplete="one-time-code"
            autoFocus
            required
            maxLength={11}
            className="font-mono tracking-widest"
          />
        )}
      </Field>
      <Button type="submit" disabled={pending}>
        {pending && <LoaderCircle className="animate-spin" aria-hidden="true" />}
        Continue
      </Button>
    </form>
  );
}
