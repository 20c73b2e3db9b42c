'use client';
import { useState, type FormEvent } from 'react';
import { Field } from '@/components/ui/field';
import { FormActions } from '@/components/ui/form-actions';
import { Input, Textarea } from '@/components/ui/input';
import { parseContactForm, type Contact, type ContactFieldErrors, type ContactInput } from '@/lib/model';

export interface ContactFormProps {
  initial?: Partial<Pick<Contact, 'name' | 'emails' | 'phones' | 'organization' | 'notes'>>;
  submitLabel: string;
  /** Returns field errors or a general error to show; resolves when done. */
  onSubmit: (input: ContactInput) => Promise<{ error?: string; fieldErrors?: ContactFieldErrors } | void>;
  onCancel?: () => void;
}

export function ContactForm({ initial, submitLabel, onSubmit, onCancel }: ContactFormProps) {
  const [errors, setErrors] = useState<ContactFieldErrors>({});
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  async function handle(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const get = (k: string) => String(form.get(k) ?? '');
    const parsed = parseContactForm({
      name: get('name'),
      emails: get('emails'),
      phones: get('phones'),
      organization: get('organization'),
      notes: get('notes'),
    });
    if (!parsed.ok) {
      setErrors(parsed.fieldErrors);
      setError(undefined);
      const first = Object.keys(parsed.fieldErrors)[0];
      if (first) document.getElementById(`contact-${first}`)?.focus();
      return;
    }
    setErrors({});
    setError(undefined);
    setPending(true);
    try {
      const outcome = await onSubmit(parsed.data);
      if (outcome) {
        setErrors(outcome.fieldErrors ?? {});
        setError(outcome.error);
      }
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={handle} noValidate className="grid gap-4" aria-label={submitLabel}>
      {error && (
        <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm">
          {error}
        </p>
      )}
      <Field id="contact-name" label="Name" error={errors.name}>
        {(aria) => <Input {...aria} name="name" defaultValue={initial?.name ?? ''} autoComplete="off" required />}
      </Field>
      <Field
        id="contact-emails"
        label="Email addresses"
        hint="One per line, or separated by commas."
        error={errors.emails}
      >
        {(aria) => (
          <Textarea
            {...aria}
            name="emails"
            defaultValue={(initial?.emails ?? []).join('\n')}
            className="min-h-16"
            autoComplete="off"
          />
        )}
      </Field>
      <Field
        id="contact-phones"
        label="Phone numbers"
        hint="Include the country code, like +44 20 7946 0958."
        error={errors.phones}
      >
        {(aria) => (
          <Textarea
            {...aria}
            name="phones"
            defaultValue={(initial?.phones ?? []).join('\n')}
            className="min-h-16"
            autoComplete="off"
          />
        )}
      </Field>
      <Field id="contact-organization" label="Organization" error={errors.organization}>
        {(aria) => (
          <Input {...aria} name="organization" defaultValue={initial?.organization ?? ''} autoComplete="off" />
        )}
      </Field>
      <Field id="contact-notes" label="Notes" error={errors.notes}>
        {(aria) => <Textarea {...aria} name="notes" defaultValue={initial?.notes ?? ''} />}
      </Field>
      <FormActions pending={pending} submitLabel={submitLabel} onCancel={onCancel} className="flex flex-wrap gap-2" />
    </form>
  );
}
