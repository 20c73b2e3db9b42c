'use client';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { GenericRows } from '@/components/settings/credentials/generic-rows';
import { Field } from '@/components/ui/field';
import { FormActions } from '@/components/ui/form-actions';
import { Input, Textarea } from '@/components/ui/input';
import {
  credentialProviders,
  defaultCredentialType,
  parseCredentialForm,
  providerOf,
  type CredentialFieldErrors,
  type CredentialFormValues,
  type GenericRow,
  type ProviderDefinition,
  type ProviderField,
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

/** Rows to start with: one to fill in for the first record field (a generic credential's headers). */
function initialRows(provider: ProviderDefinition | undefined): Record<string, GenericRow[]> {
  const records = provider?.fields.filter((f) => f.kind === 'record') ?? [];
  return Object.fromEntries(records.map((f, i) => [f.name, i === 0 ? [emptyRow()] : []]));
}

/** The id of the control an error key belongs to ("headers.0.key" -> "cred-headers-0-key"). */
export const controlId = (key: string) => `cred-${key.replace(/\./g, '-')}`;

/**
 * Credential form, drawn from the provider's fields (packages/shared/src/providers). Secret
 * fields are password inputs that start empty, even when replacing: the hub never sends a
 * secret back, so there is nothing to prefill.
 */
export function CredentialForm({
  mode,
  type: initialType = defaultCredentialType(),
  name: initialName = '',
  onSubmit,
  onCancel,
}: CredentialFormProps) {
  const [type, setType] = useState<CredentialType>(initialType);
  const [rows, setRows] = useState(() => initialRows(providerOf(initialType)));
  const [errors, setErrors] = useState<CredentialFieldErrors>({});
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  const provider = providerOf(type);
  const fields = provider?.fields ?? [];
  const alertRef = useRef<HTMLParagraphElement>(null);
  // The form scrolls inside its dialog: bring the hub's answer into view.
  useEffect(() => {
    if (error) alertRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [error]);

  function chooseType(next: CredentialType) {
    setType(next);
    setRows(initialRows(providerOf(next)));
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
      fields: Object.fromEntries(fields.filter((f) => f.kind !== 'record').map((f) => [f.name, get(f.name)])),
      rows,
    };
    const parsed = parseCredentialForm(formValues);
    if (!parsed.ok) {
      setErrors(parsed.fieldErrors);
      setError(undefined);
      const first = Object.keys(parsed.fieldErrors)[0];
      const record = fields.find((f) => f.name === first && f.kind === 'record');
      if (first) document.getElementById(controlId(record ? `${first}.0.key` : first))?.focus();
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
            {credentialProviders().map(({ id: t, label, description }) => (
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
                  <span className="block font-medium">{label}</span>
                  <span className="block text-xs text-muted-foreground">{description}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
      ) : (
        <p className="text-sm text-muted-foreground">
          {provider?.label ?? type}: enter every value again. Saved secrets are never shown, so nothing is filled in for
          you.
        </p>
      )}
      {provider && <p className="text-sm text-muted-foreground">{provider.where}</p>}
      <Field
        id={controlId('name')}
        label="Name"
        hint="Only for you, to tell your credentials apart."
        error={errors.name}
      >
        {(aria) => (
          <Input {...aria} name="name" defaultValue={initialName} autoComplete="off" placeholder={provider?.example} />
        )}
      </Field>
      {fields.map((f) => (
        <FieldControl
          key={`${type}-${f.name}`}
          field={f}
          rows={rows[f.name] ?? []}
          onRows={(next) => setRows((all) => ({ ...all, [f.name]: next }))}
          errors={errors}
        />
      ))}
      <FormActions
        pending={pending}
        submitLabel={mode === 'add' ? 'Save credential' : 'Replace credential'}
        onCancel={onCancel}
        className="flex flex-wrap gap-2"
      />
    </form>
  );
}

/** One provider field: a line, a password, an address, rows of names and secrets, or hosts. */
function FieldControl({
  field: f,
  rows,
  onRows,
  errors,
}: {
  field: ProviderField;
  rows: GenericRow[];
  onRows: (rows: GenericRow[]) => void;
  errors: CredentialFieldErrors;
}) {
  if (f.kind === 'record' && f.rows)
    return (
      <GenericRows
        kind={f.name}
        noun={f.rows.noun}
        legend={f.label}
        description={f.rows.description}
        keyPlaceholder={f.rows.keyPlaceholder}
        rows={rows}
        onChange={onRows}
        errors={errors}
        controlId={controlId}
      />
    );
  if (f.kind === 'hosts')
    return (
      <Field id={controlId(f.name)} label={f.label} hint={f.hint} error={errors[f.name]}>
        {(aria) => (
          <Textarea {...aria} name={f.name} className="min-h-16 font-mono" spellCheck={false} autoComplete="off" />
        )}
      </Field>
    );
  const secret = f.kind === 'secret';
  return (
    <Field id={controlId(f.name)} label={f.label} hint={f.hint} error={errors[f.name]}>
      {(aria) => (
        <Input
          {...aria}
          name={f.name}
          type={secret ? 'password' : f.kind === 'url' ? 'url' : 'text'}
          // new-password keeps browsers from filling in the person's own login password.
          autoComplete={secret ? 'new-password' : 'off'}
          spellCheck={false}
          placeholder={f.placeholder}
          className="font-mono"
        />
      )}
    </Field>
  );
}
