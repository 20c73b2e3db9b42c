'use client';
import { useState, type FormEvent } from 'react';
import { Field } from '@/components/ui/field';
import { FormActions } from '@/components/ui/form-actions';
import { Input } from '@/components/ui/input';
import { MentionTextarea } from '@/components/notes/mention-textarea';

export function NoteForm({
  idPrefix,
  initial,
  submitLabel,
  onSubmit,
  onCancel,
  people = [],
}: {
  idPrefix: string;
  /** Current names of the people the note mentions, so renamed contacts read as renamed. */
  people?: { id: string; name: string }[];
  initial?: { title: string; body: string };
  submitLabel: string;
  onSubmit: (title: string, body: string) => Promise<{ error?: string; fieldErrors?: Record<string, string> } | void>;
  onCancel?: () => void;
}) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  const [generation, setGeneration] = useState(0);
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
    } else if (!initial) {
      formEl.reset();
      // The text box is controlled (mentions): a new key gives a fresh, empty one.
      setGeneration((g) => g + 1);
    }
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
        {(aria) => (
          <MentionTextarea key={generation} {...aria} name="body" defaultValue={initial?.body ?? ''} people={people} />
        )}
      </Field>
      <FormActions pending={pending} submitLabel={submitLabel} onCancel={onCancel} />
    </form>
  );
}
