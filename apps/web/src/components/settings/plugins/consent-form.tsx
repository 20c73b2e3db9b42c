'use client';
import { Globe, Plus, TriangleAlert } from 'lucide-react';
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { Badge } from '@/components/ui/badge';
import { Field } from '@/components/ui/field';
import { FormActions } from '@/components/ui/form-actions';
import { Input } from '@/components/ui/input';
import { providerLabel, providerNoun } from '@/lib/settings/credentials';
import type { ConfigValue, ConsentInput, CredentialView, Grant, PluginView } from '@/lib/settings/model';
import { describePermission } from '@/lib/settings/permissions';

export interface ConsentFormProps {
  plugin: PluginView;
  grants: Grant[];
  credentials: CredentialView[];
  submitLabel: string;
  onSubmit: (input: ConsentInput) => Promise<{ error?: string } | void>;
  onCancel?: () => void;
}

const selectClass =
  'flex h-10 w-full rounded-md border border-input bg-background px-3 text-base text-foreground outline-none focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-1 focus-visible:ring-offset-background sm:text-sm';

/**
 * The consent step: what the plugin asks for, in words, each one a choice; which wallet
 * credential fills each slot it declares; and its settings. Nothing is granted until the
 * person submits.
 */
export function ConsentForm({ plugin, grants, credentials, submitLabel, onSubmit, onCancel }: ConsentFormProps) {
  const held = new Set(grants.map((g) => g.permission));
  // A re-consent (after an upgrade or to change choices) starts from what is held, with
  // anything new marked; a first consent starts with everything the plugin declares.
  const reconsent = grants.length > 0;
  const [chosen, setChosen] = useState<Set<string>>(
    () =>
      new Set(
        plugin.status === 'pending_consent' || !reconsent
          ? plugin.permissions
          : plugin.permissions.filter((p) => held.has(p)),
      ),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  const configEntries = Object.entries(plugin.configFields);

  function toggle(permission: string, on: boolean) {
    setChosen((set) => {
      const next = new Set(set);
      if (on) next.add(permission);
      else next.delete(permission);
      return next;
    });
  }

  async function handle(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const config: Record<string, ConfigValue> = {};
    const fieldErrors: Record<string, string> = {};
    for (const [name, field] of configEntries) {
      if (field.type === 'boolean') config[name] = form.get(`config.${name}`) === 'on';
      else if (field.type === 'number') {
        const raw = String(form.get(`config.${name}`) ?? '').trim();
        if (raw === '') continue;
        const value = Number(raw);
        if (!Number.isFinite(value)) fieldErrors[name] = 'Enter a number.';
        else config[name] = value;
      } else {
        const raw = String(form.get(`config.${name}`) ?? '');
        if (raw !== '') config[name] = raw;
      }
    }
    const bound: Record<string, string> = {};
    for (const slot of plugin.credentials) {
      const value = String(form.get(`credential.${slot.name}`) ?? '');
      if (value) bound[slot.name] = value;
    }
    setErrors(fieldErrors);
    const first = Object.keys(fieldErrors)[0];
    if (first) {
      document.getElementById(`config-${first}`)?.focus();
      return;
    }
    setError(undefined);
    setPending(true);
    try {
      const outcome = await onSubmit({
        permissions: plugin.permissions.filter((p) => chosen.has(p)),
        config,
        credentials: bound,
      });
      if (outcome?.error) setError(outcome.error);
    } finally {
      setPending(false);
    }
  }

  const left = plugin.permissions.filter((p) => !chosen.has(p));

  return (
    <form onSubmit={handle} noValidate className="grid gap-6" aria-label={`Permissions for ${plugin.name}`}>
      {error && (
        <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm">
          {error}
        </p>
      )}
      {plugin.permissions.length === 0 ? (
        <p className="text-sm">
          This plugin asks for no permissions: it can only work with what it is given when it runs.
        </p>
      ) : (
        <fieldset className="grid gap-2">
          <legend className="mb-1 font-medium">{plugin.name} asks to:</legend>
          <ul className="grid gap-2">
            {plugin.permissions.map((permission) => {
              const info = describePermission(permission);
              const id = `permission-${permission.replace(/[^a-zA-Z0-9]/g, '-')}`;
              return (
                <li key={permission} className="flex items-start gap-3 rounded-md border border-border p-3">
                  <input
                    id={id}
                    type="checkbox"
                    checked={chosen.has(permission)}
                    onChange={(e) => toggle(permission, e.target.checked)}
                    className="mt-0.5 size-4 shrink-0 accent-[var(--primary)]"
                  />
                  <label htmlFor={id} className="grid min-w-0 gap-0.5 text-sm">
                    <span className="flex flex-wrap items-center gap-2 font-medium">
                      {info.summary}
                      {reconsent && !held.has(permission) && (
                        <Badge className="border-primary/50 text-primary">New</Badge>
                      )}
                      {info.note && (
                        <span className="inline-flex items-center gap-1 text-xs font-normal text-amber-800 dark:text-amber-300">
                          {permission.startsWith('http:') ? (
                            <Globe className="size-3.5" aria-hidden="true" />
                          ) : (
                            <TriangleAlert className="size-3.5" aria-hidden="true" />
                          )}
                          {info.note}
                        </span>
                      )}
                    </span>
                    <code className="break-all text-xs text-muted-foreground">{permission}</code>
                  </label>
                </li>
              );
            })}
          </ul>
          {left.length > 0 && (
            <p role="status" className="text-sm text-muted-foreground">
              Not allowing {left.length === 1 ? 'one permission' : `${left.length} permissions`}: the plugin is refused
              whenever it tries that, and may not work fully.
            </p>
          )}
        </fieldset>
      )}
      {plugin.credentials.length > 0 && (
        <fieldset className="grid gap-4">
          <legend className="mb-1 font-medium">Credentials it uses</legend>
          <p className="text-sm text-muted-foreground">
            The plugin gets a handle, never the secret: your hub adds it to requests for the hosts it belongs to.
          </p>
          {plugin.credentials.map((slot) => {
            const options = credentials.filter((c) => c.type === slot.type);
            const id = `credential-${slot.name}`;
            const typeLabel = providerLabel(slot.type);
            if (options.length === 0)
              return (
                <div key={slot.name} className="rounded-md border border-border p-3 text-sm">
                  <p className="font-medium">
                    {slot.name} ({typeLabel})
                  </p>
                  {slot.description && <p className="text-muted-foreground">{slot.description}</p>}
                  <p className="mt-2">
                    Your wallet holds no {typeLabel} credential yet, so the plugin cannot use this. Add one, then come
                    back here.
                  </p>
                  <Link
                    href={`/settings/credentials?add=${slot.type}`}
                    className="mt-2 inline-flex items-center gap-1 font-medium text-primary underline underline-offset-4"
                  >
                    <Plus className="size-4" aria-hidden="true" /> Add {providerNoun(slot.type)}
                  </Link>
                </div>
              );
            return (
              <Field key={slot.name} id={id} label={`${slot.name} (${typeLabel})`} hint={slot.description}>
                {(aria) => (
                  <select
                    {...aria}
                    name={`credential.${slot.name}`}
                    defaultValue={slot.boundTo ?? options[0]?.id ?? ''}
                    className={selectClass}
                  >
                    {options.map((c) => (
                      <option key={c.id} value={c.id}>
                        {c.name}
                      </option>
                    ))}
                    <option value="">Don’t connect one now</option>
                  </select>
                )}
              </Field>
            );
          })}
        </fieldset>
      )}
      {configEntries.length > 0 && (
        <fieldset className="grid gap-4">
          <legend className="mb-1 font-medium">Settings</legend>
          {configEntries.map(([name, field]) => {
            const current = plugin.config[name] ?? field.default;
            const id = `config-${name}`;
            if (field.type === 'boolean')
              return (
                <div key={name} className="flex items-start gap-2 text-sm">
                  <input
                    id={id}
                    type="checkbox"
                    name={`config.${name}`}
                    defaultChecked={current === true}
                    className="mt-0.5 size-4 accent-[var(--primary)]"
                  />
                  <label htmlFor={id}>
                    <span className="font-medium">{name}</span>
                    {field.description && <span className="block text-muted-foreground">{field.description}</span>}
                  </label>
                </div>
              );
            return (
              <Field key={name} id={id} label={name} hint={field.description} error={errors[name]}>
                {(aria) => (
                  <Input
                    {...aria}
                    name={`config.${name}`}
                    type={field.type === 'number' ? 'number' : 'text'}
                    inputMode={field.type === 'number' ? 'decimal' : undefined}
                    defaultValue={current === undefined ? '' : String(current)}
                    autoComplete="off"
                    className="max-w-md"
                  />
                )}
              </Field>
            );
          })}
        </fieldset>
      )}
      <div className="grid gap-2">
        <p className="text-xs text-muted-foreground">You can take back any permission later under Settings → Grants.</p>
        <FormActions pending={pending} submitLabel={submitLabel} onCancel={onCancel} className="flex flex-wrap gap-2" />
      </div>
    </form>
  );
}
