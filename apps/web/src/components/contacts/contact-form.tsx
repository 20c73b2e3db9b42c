'use client';
import type { CountryCode } from '@made-open/shared/entities';
import { useState, type FormEvent } from 'react';
import { RepeatingRows } from '@/components/contacts/repeating-rows';
import { Field } from '@/components/ui/field';
import { FormActions } from '@/components/ui/form-actions';
import { Input, Textarea } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import {
  MONTHS,
  parseContactForm,
  type Address,
  type Contact,
  type ContactFieldErrors,
  type ContactInput,
  type CustomField,
  type Occasion,
} from '@/lib/model';

export interface ContactFormProps {
  initial?: Partial<Omit<Contact, 'id' | 'version' | 'createdAt' | 'updatedAt'>>;
  submitLabel: string;
  /** The account's default region: numbers without a country code are read as its. */
  region?: CountryCode | undefined;
  /** Returns field errors or a general error to show; resolves when done. */
  onSubmit: (input: ContactInput) => Promise<{ error?: string; fieldErrors?: ContactFieldErrors } | void>;
  onCancel?: () => void;
}

/** "1990-04-23" or "--04-23" -> the three fields; anything else -> empty. */
function splitBirthday(value: string | undefined) {
  const match = /^(\d{4}|-)-(\d{2})-(\d{2})$/.exec(value ?? '');
  if (!match) return { day: '', month: '', year: '' };
  return { day: String(Number(match[3])), month: String(Number(match[2])), year: match[1] === '-' ? '' : match[1]! };
}

function joinBirthday(day: string, month: string, year: string): string {
  if (!day.trim() && !month && !year.trim()) return '';
  const dd = day.trim().padStart(2, '0');
  const mm = month.padStart(2, '0');
  // Anything incomplete or odd stays visibly wrong, so the schema refuses it with a reason.
  return year.trim() ? `${year.trim()}-${mm}-${dd}` : `--${mm}-${dd}`;
}

const fieldOrder: (keyof ContactInput)[] = [
  'name',
  'organization',
  'jobTitle',
  'emails',
  'phones',
  'birthday',
  'anniversaries',
  'addresses',
  'tags',
  'groups',
  'customFields',
  'notes',
];

export function ContactForm({ initial, submitLabel, region, onSubmit, onCancel }: ContactFormProps) {
  const [errors, setErrors] = useState<ContactFieldErrors>({});
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  const [anniversaries, setAnniversaries] = useState<Occasion[]>(initial?.anniversaries ?? []);
  const [addresses, setAddresses] = useState<Address[]>(initial?.addresses ?? []);
  const [customFields, setCustomFields] = useState<CustomField[]>(initial?.customFields ?? []);
  const birthday = splitBirthday(initial?.birthday);

  async function handle(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const get = (k: string) => String(form.get(k) ?? '');
    const parsed = parseContactForm(
      {
        name: get('name'),
        emails: get('emails'),
        phones: get('phones'),
        organization: get('organization'),
        jobTitle: get('jobTitle'),
        birthday: joinBirthday(get('birthdayDay'), get('birthdayMonth'), get('birthdayYear')),
        anniversaries,
        addresses,
        tags: get('tags'),
        groups: get('groups'),
        customFields,
        notes: get('notes'),
      },
      region,
    );
    if (!parsed.ok) {
      setErrors(parsed.fieldErrors);
      setError(undefined);
      const first = fieldOrder.find((key) => parsed.fieldErrors[key]);
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

  const birthdayError = errors.birthday ? 'Choose a day and month that exist; the year may stay empty.' : undefined;
  const phoneHint = region
    ? `One per line. With the country code (+44 20 7946 0958), or as a number in ${region}, your default region.`
    : 'One per line, with the country code, like +44 20 7946 0958. Choose a default region in Settings to type national numbers.';

  return (
    <form onSubmit={handle} noValidate className="grid gap-5" aria-label={submitLabel}>
      {error && (
        <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm">
          {error}
        </p>
      )}
      <Field id="contact-name" label="Name" error={errors.name}>
        {(aria) => <Input {...aria} name="name" defaultValue={initial?.name ?? ''} autoComplete="off" required />}
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="contact-organization" label="Organization" error={errors.organization}>
          {(aria) => (
            <Input {...aria} name="organization" defaultValue={initial?.organization ?? ''} autoComplete="off" />
          )}
        </Field>
        <Field id="contact-jobTitle" label="Job title" error={errors.jobTitle}>
          {(aria) => <Input {...aria} name="jobTitle" defaultValue={initial?.jobTitle ?? ''} autoComplete="off" />}
        </Field>
      </div>
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
      <Field id="contact-phones" label="Phone numbers" hint={phoneHint} error={errors.phones}>
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
      <fieldset
        className="grid gap-2"
        aria-describedby={birthdayError ? 'contact-birthday-error' : 'contact-birthday-hint'}
      >
        <legend className="mb-1 text-sm font-medium">Birthday</legend>
        <div className="grid grid-cols-[5rem_1fr_6rem] gap-2">
          <div className="grid gap-1">
            <Label htmlFor="contact-birthday" className="text-xs text-muted-foreground">
              Day
            </Label>
            <Input
              id="contact-birthday"
              name="birthdayDay"
              inputMode="numeric"
              defaultValue={birthday.day}
              autoComplete="off"
              aria-invalid={birthdayError ? true : undefined}
            />
          </div>
          <div className="grid gap-1">
            <Label htmlFor="contact-birthday-month" className="text-xs text-muted-foreground">
              Month
            </Label>
            <select
              id="contact-birthday-month"
              name="birthdayMonth"
              defaultValue={birthday.month}
              aria-invalid={birthdayError ? true : undefined}
              className="h-10 rounded-md border border-input bg-background px-2 text-base sm:text-sm"
            >
              <option value="">—</option>
              {MONTHS.map((m, i) => (
                <option key={m} value={String(i + 1)}>
                  {m}
                </option>
              ))}
            </select>
          </div>
          <div className="grid gap-1">
            <Label htmlFor="contact-birthday-year" className="text-xs text-muted-foreground">
              Year (optional)
            </Label>
            <Input
              id="contact-birthday-year"
              name="birthdayYear"
              inputMode="numeric"
              defaultValue={birthday.year}
              autoComplete="off"
              aria-invalid={birthdayError ? true : undefined}
            />
          </div>
        </div>
        <p id="contact-birthday-hint" className="text-xs text-muted-foreground">
          Leave the year empty when you do not know it.
        </p>
        {birthdayError && (
          <p id="contact-birthday-error" className="text-sm text-destructive">
            {birthdayError}
          </p>
        )}
      </fieldset>
      <RepeatingRows
        id="contact-anniversaries"
        legend="Other dates"
        noun="Date"
        rows={anniversaries}
        onChange={setAnniversaries}
        empty={() => ({ label: '', date: '' })}
        error={errors.anniversaries}
        renderRow={(row, i, update) => (
          <>
            <Field id={i === 0 ? 'contact-anniversaries' : `contact-anniversary-${i}-label`} label="What">
              {(aria) => (
                <Input
                  {...aria}
                  value={row.label}
                  placeholder="Wedding anniversary"
                  onChange={(e) => update({ label: e.target.value })}
                />
              )}
            </Field>
            <Field id={`contact-anniversary-${i}-date`} label="Date">
              {(aria) => (
                <Input {...aria} type="date" value={row.date} onChange={(e) => update({ date: e.target.value })} />
              )}
            </Field>
          </>
        )}
      />
      <RepeatingRows
        id="contact-addresses"
        legend="Addresses"
        noun="Address"
        rows={addresses}
        onChange={setAddresses}
        empty={() => ({ label: '' })}
        error={errors.addresses}
        renderRow={(row, i, update) => (
          <>
            {(
              [
                ['label', 'Label', 'Home'],
                ['street', 'Street', ''],
                ['locality', 'Town or city', ''],
                ['region', 'County, state or region', ''],
                ['postalCode', 'Postcode', ''],
                ['country', 'Country', ''],
              ] as const
            ).map(([key, label, placeholder]) => (
              <Field
                key={key}
                id={i === 0 && key === 'label' ? 'contact-addresses' : `contact-address-${i}-${key}`}
                label={label}
              >
                {(aria) => (
                  <Input
                    {...aria}
                    value={row[key] ?? ''}
                    placeholder={placeholder}
                    autoComplete="off"
                    onChange={(e) => update({ [key]: e.target.value } as Partial<Address>)}
                  />
                )}
              </Field>
            ))}
          </>
        )}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="contact-tags" label="Tags" hint="Separated by commas." error={errors.tags}>
          {(aria) => <Input {...aria} name="tags" defaultValue={(initial?.tags ?? []).join(', ')} autoComplete="off" />}
        </Field>
        <Field id="contact-groups" label="Groups" hint="Like Family, Work. Separated by commas." error={errors.groups}>
          {(aria) => (
            <Input {...aria} name="groups" defaultValue={(initial?.groups ?? []).join(', ')} autoComplete="off" />
          )}
        </Field>
      </div>
      <RepeatingRows
        id="contact-customFields"
        legend="Custom fields"
        noun="Field"
        rows={customFields}
        onChange={setCustomFields}
        empty={() => ({ label: '', value: '' })}
        error={errors.customFields}
        renderRow={(row, i, update) => (
          <>
            <Field id={i === 0 ? 'contact-customFields' : `contact-custom-${i}-label`} label="Name">
              {(aria) => (
                <Input
                  {...aria}
                  value={row.label}
                  placeholder="Shoe size"
                  onChange={(e) => update({ label: e.target.value })}
                />
              )}
            </Field>
            <Field id={`contact-custom-${i}-value`} label="Value">
              {(aria) => <Input {...aria} value={row.value} onChange={(e) => update({ value: e.target.value })} />}
            </Field>
          </>
        )}
      />
      <Field id="contact-notes" label="Notes" error={errors.notes}>
        {(aria) => <Textarea {...aria} name="notes" defaultValue={initial?.notes ?? ''} />}
      </Field>
      <FormActions pending={pending} submitLabel={submitLabel} onCancel={onCancel} className="flex flex-wrap gap-2" />
    </form>
  );
}
