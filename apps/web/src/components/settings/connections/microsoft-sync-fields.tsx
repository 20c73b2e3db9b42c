'use client';
import { useId } from 'react';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import type { MicrosoftOptions } from '@/lib/connections/model';

/** What syncs, as typed: the extra folders as text, the numbers as strings until read. */
export interface SyncFieldValues {
  folders: string;
  past: string;
  future: string;
  poll: string;
}
type SyncOptions = Pick<MicrosoftOptions, 'folders' | 'calendarPastDays' | 'calendarFutureDays' | 'pollMinutes'>;

export const defaultSyncFields: SyncFieldValues = { folders: '', past: '30', future: '365', poll: '2' };

export const syncFieldsOf = (options: SyncOptions): SyncFieldValues => ({
  folders: options.folders.join(', '),
  past: String(options.calendarPastDays),
  future: String(options.calendarFutureDays),
  poll: String(options.pollMinutes),
});

/** The extra folders as typed: ids or well-known names, separated by commas or spaces. */
export function foldersOf(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((f) => f.trim())
        .filter(Boolean),
    ),
  ];
}

/** The hub's ranges (connectors/msgraph options), said the way a person reads them. */
const ranges = [
  ['past', 0, 3650, 'Calendar days back are a whole number from 0 to 3650.'],
  ['future', 1, 3650, 'Calendar days ahead are a whole number from 1 to 3650.'],
  ['poll', 1, 1440, 'Check for changes every 1 to 1440 minutes (a whole number).'],
] as const;

const numberOf = (typed: string) => Number(typed.trim() || NaN);

/** The options the fields say, or what to fix. */
export function readSyncFields(values: SyncFieldValues): { options: SyncOptions } | { error: string } {
  for (const [name, min, max, words] of ranges) {
    const n = numberOf(values[name]);
    if (!Number.isInteger(n) || n < min || n > max) return { error: words };
  }
  const folders = foldersOf(values.folders);
  if (folders.length > 20) return { error: 'At most 20 more folders.' };
  return {
    options: {
      folders,
      calendarPastDays: numberOf(values.past),
      calendarFutureDays: numberOf(values.future),
      pollMinutes: numberOf(values.poll),
    },
  };
}

/** The folders, calendar window and polling fields of Microsoft 365's connect and change forms. */
export function MicrosoftSyncFields({
  values,
  onChange,
}: {
  values: SyncFieldValues;
  onChange: (values: SyncFieldValues) => void;
}) {
  const ids = { folders: useId(), past: useId(), future: useId(), poll: useId() };
  const field = (name: keyof SyncFieldValues) => ({
    value: values[name],
    onChange: (event: { target: { value: string } }) => onChange({ ...values, [name]: event.target.value }),
  });
  return (
    <>
      <div className="grid gap-1.5 sm:col-span-2">
        <Label htmlFor={ids.folders}>More mail folders (optional)</Label>
        <Input id={ids.folders} {...field('folders')} placeholder="drafts, junkemail or folder ids" />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={ids.past}>Calendar: days back</Label>
        <Input id={ids.past} inputMode="numeric" {...field('past')} />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={ids.future}>Calendar: days ahead</Label>
        <Input id={ids.future} inputMode="numeric" {...field('future')} />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor={ids.poll}>Check for changes every (minutes)</Label>
        <Input id={ids.poll} inputMode="numeric" {...field('poll')} />
      </div>
    </>
  );
}
