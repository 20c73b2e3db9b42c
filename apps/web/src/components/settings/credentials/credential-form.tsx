'use client';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { GenericRows } from '@/components/settings/credentials/generic-rows';
import { Field } from '@/components/ui/field';
import { FormActions } from '@/components/ui/form-actions';
import { Input, Textarea } from '@/components/ui/input';
import {
  CREDENTIAL_TYPE_ORDER,
  CREDENTIAL_TYPES,
  parseCredentialForm,
  type CredentialFieldErrors,
  type CredentialFormValues,
  type GenericRow,
} from '@/lib/settings/credentials';
import type { CredentialType } from '@/lib/settings/model';
import { cn } from '@/lib/utils';

export interface CredentialFormProps {
  /** Replacing keeps the type; adding lets the person choose it. */
  mode: 'add' | 'replace';
  type?: CredentialType;
  name?: string;
  onSubmit: (values: CredentialFormValues) => Promise<{ error?: string; fieldErrors?: CredentialFieldErrors } | void>;
  onCancel?: () => void;
}

const emptyRow = (): GenericRow => ({ key: '', value: '' });

/** The id of the control an error key belongs to ("headers.0.key" -> "cred-headers-0-key"). */
export const controlId = (key: string) => `cred-${key.replace(/\./g, '-')}`;

/**
 * Typed credential form. Secret fields are password inputs that start empty, even when
 * replacing: the hub never sends a secret back, so there is nothing to prefill.
 */
export function CredentialForm({
  mode,
  type: initialType = 'twilio',
  name: initialName = '',
  onSubmit,
  onCancel,
}: CredentialFormProps) {
  const [type, setType] = useState<CredentialType>(initialType);
  const [headers, setHeaders] = useState<GenericRow[]>([emptyRow()]);
  const [values, setValues] = useState<GenericRow[]>([]);
  const [errors, setErrors] = useState<CredentialFieldErrors>({});
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  const def = CREDENTIAL_TYPES[type];
  const alertRef = useRef<HTMLParagraphElement>(null);
  // The form scrolls inside its dialog: bring the hub's answer into view.
  useEffect(() => {
    if (error) alertRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [error]);

  function chooseType(next: CredentialType) {
    setType(next);
    setErrors({});
    setError(undefined);
  }

  async function handle(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const get = (k: string) => String(form.get(k) ?? '');
    const formValues: CredentialFormValues = {
      type,
      name: get('name'),
      fields: Object.fromEntries(def.fields.map((f) => [f.name, get(f.name)])),
      headers,
      values,
      allowedHosts: get('allowedHosts'),
    };
    const parsed = parseCredentialForm(formValues);
    if (!parsed.ok) {
      setErrors(parsed.fieldErrors);
      setError(undefined);
      const first = Object.keys(parsed.fieldErrors)[0];
      if (first) document.getElementById(first === 'headers' ? controlId('headers.0.key') : controlId(first))?.focus();
      return;
    }
    setErrors({});
    setError(undefined);
    setPending(true);
    try {
      const outcome = await onSubmit(formValues);
      if (outcome) {
        setErrors(outcome.fieldErrors ?? {});
        setError(outcome.error);
      }
    } finally {
      setPending(false);
    }
  }

  return (
    <form
      onSubmit={handle}
      noValidate
      className="grid gap-4"
      aria-label={mode === 'add' ? 'Add a credential' : 'Replace credential'}
    >
      {error && (
        <p
          ref={alertRef}
          role="alert"
          className="rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm"
        >
          {error}
        </p>
      )}
      {mode === 'add' ? (
        <fieldset className="grid gap-2">
          <legend className="mb-2 text-sm font-medium">Type</legend>
          <div className="grid gap-2 sm:grid-cols-2">
            {CREDENTIAL_TYPE_ORDER.map((t) => (
              <label
                key={t}
                className={cn(
                  'flex cursor-pointer items-start gap-2 rounded-md border border-border p-3 text-sm has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring',
                  t === type && 'border-primary bg-primary/5',
                )}
              >
                <input
                  type="radio"
                  name="type"
                  value={t}
                  checked={t === type}
                  onChange={() => chooseType(t)}
                  className="mt-0.5 size-4 accent-[var(--primary)]"
                />
                <span>
                  <span className="block font-medium">{CREDENTIAL_TYPES[t].label}</span>
                  <span className="block text-xs text-muted-foreground">{CREDENTIAL_TYPES[t].description}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
      ) : (
        <p className="text-sm text-muted-foreground">
          {def.label}: enter every value again. Saved secrets are never shown, so nothing is filled in for you.
        </p>
      )}
      <p className="text-sm text-muted-foreground">{def.where}</p>
      <Field
        id={controlId('name')}
        label="Name"
        hint="Only for you, to tell your credentials apart."
        error={errors.name}
      >
        {(aria) => (
          <Input {...aria} name="name" defaultValue={initialName} autoComplete="off" placeholder={def.example} />
        )}
      </Field>
      {def.fields.map((f) => (
        <Field key={`${type}-${f.name}`} id={controlId(f.name)} label={f.label} hint={f.hint} error={errors[f.name]}>
          {(aria) => (
            <Input
              {...aria}
              name={f.name}
              type={f.secret ? 'password' : f.inputMode === 'url' ? 'url' : 'text'}
              // new-password keeps browsers from filling in the person's own login password.
              autoComplete={f.secret ? 'new-password' : 'off'}
              spellCheck={false}
              placeholder={f.placeholder}
              className="font-mono"
            />
          )}
        </Field>
      ))}
      {type === 'generic' && (
        <>
          <GenericRows
            kind="headers"
            legend="Headers"
            description="Sent with each request, for example X-Api-Key or Authorization."
            rows={headers}
            onChange={setHeaders}
            errors={errors}
            controlId={controlId}
          />
          <GenericRows
            kind="values"
            legend="Query values"
            description="Added to the address of each request, for services that take the key as ?api_key=…"
            rows={values}
            onChange={setValues}
            errors={errors}
            controlId={controlId}
          />
          <Field
            id={controlId('allowedHosts')}
            label="Allowed hosts"
            hint="One per line. The credential is only ever sent to these hosts, like api.example.com."
            error={errors.allowedHosts}
          >
            {(aria) => (
              <Textarea
                {...aria}
                name="allowedHosts"
                className="min-h-16 font-mono"
                spellCheck={false}
                autoComplete="off"
              />
            )}
          </Field>
        </>
      )}
      <FormActions
        pending={pending}
        submitLabel={mode === 'add' ? 'Save credential' : 'Replace credential'}
        onCancel={onCancel}
        className="flex flex-wrap gap-2"
      />
    </form>
  );
}
