'use client';
import { useState, type FormEvent } from 'react';
import { Field } from '@/components/ui/field';
import { FormActions } from '@/components/ui/form-actions';
import { Input, Textarea } from '@/components/ui/input';

export function NoteForm({
  idPrefix,
  initial,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  idPrefix: string;
  initial?: { title: string; body: string };
  submitLabel: string;
  onSubmit: (title: string, body: string) => Promise<{ error?: string; fieldErrors?: Record<string, string> } | void>;
  onCancel?: () => void;
}) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  async function handle(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    const title = String(form.get('title') ?? '');
    const body = String(form.get('body') ?? '');
    if (!title.trim()) {
      setErrors({ title: 'Give the note a title.' });
      document.getElementById(`${idPrefix}-title`)?.focus();
      return;
    }
    setErrors({});
    setError(undefined);
    setPending(true);
    const outcome = await onSubmit(title, body);
    setPending(false);
    if (outcome) {
      setErrors(outcome.fieldErrors ?? {});
      setError(outcome.error);
    } else if (!initial) formEl.reset();
  }
  return (
    <form onSubmit={handle} noValidate className="grid gap-3" aria-label={submitLabel}>
      {error && (
        <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm">
          {error}
        </p>
      )}
      <Field id={`${idPrefix}-title`} label="Title" error={errors.title}>
        {(aria) => <Input {...aria} name="title" defaultValue={initial?.title ?? ''} autoComplete="off" />}
      </Field>
      <Field id={`${idPrefix}-body`} label="Note" error={errors.body}>
        {(aria) => <Textarea {...aria} name="body" defaultValue={initial?.body ?? ''} />}
      </Field>
      <FormActions pending={pending} submitLabel={submitLabel} onCancel={onCancel} />
    </form>
  );
}
