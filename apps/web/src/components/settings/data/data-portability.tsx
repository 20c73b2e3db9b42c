'use client';
import { Download, Upload } from 'lucide-react';
import { useId, useRef, useState, useTransition } from 'react';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import {
  commitImportAction,
  importStatusAction,
  setMappingAction,
  startTakeoutAction,
  takeoutStatusAction,
  undoImportAction,
} from '@/lib/actions/portability';
import type { DuplicatesChoice, ImportRecord, TakeoutRecord } from '@/lib/portability';
import { Progress, usePoll } from './progress';
import { RestorePanel } from './restore-panel';

/** Contact fields a CSV column can map to (the hub's csvFields). */
const CSV_FIELDS: [string, string][] = [
  ['ignore', 'Leave out'],
  ['fullName', 'Full name'],
  ['givenName', 'First name'],
  ['familyName', 'Last name'],
  ['additionalName', 'Middle name'],
  ['nickname', 'Nickname'],
  ['email', 'Email'],
  ['phone', 'Phone'],
  ['organization', 'Organisation'],
  ['jobTitle', 'Job title'],
  ['department', 'Department'],
  ['notes', 'Notes'],
  ['birthday', 'Birthday'],
  ['url', 'Website'],
  ['tags', 'Tags'],
  ['street', 'Street'],
  ['locality', 'City'],
  ['region', 'Region'],
  ['postalCode', 'Postcode'],
  ['country', 'Country'],
];

const running = (status: string) => status === 'queued' || status === 'running';

function Counts({ preview }: { preview: ImportRecord['preview'] }) {
  const c = preview.counts;
  const parts = [
    c.contacts ? `${c.contacts.toLocaleString()} contacts` : null,
    c.events ? `${c.events.toLocaleString()} events` : null,
    c.messages ? `${c.messages.toLocaleString()} messages` : null,
  ].filter(Boolean);
  return (
    <p className="text-sm" data-testid="import-counts">
      {parts.length ? parts.join(', ') : 'Nothing to import'}
      {c.errors ? `; ${c.errors} ${c.errors === 1 ? 'problem' : 'problems'} left out` : ''}
      {c.warnings ? `; ${c.warnings} ${c.warnings === 1 ? 'field' : 'fields'} dropped` : ''}
    </p>
  );
}

/** Before the commit: merge contacts you already have, or keep them separate and suggest merges. */
function DuplicatesChoiceGroup({
  total,
  value,
  onChange,
  disabled,
}: {
  total: number;
  value: DuplicatesChoice;
  onChange: (v: DuplicatesChoice) => void;
  disabled: boolean;
}) {
  const name = useId();
  const options: { value: DuplicatesChoice; label: string; hint: string }[] = [
    {
      value: 'merge',
      label: `Merge ${total.toLocaleString()} ${total === 1 ? 'duplicate' : 'duplicates'} into existing contacts`,
      hint: 'Details, phones and emails your contact lacks are added; nothing it has is changed. Undoing the import puts it back as it was.',
    },
    {
      value: 'suggest',
      label: 'Keep separate and suggest merges',
      hint: 'Imported as new contacts; you review each pair on the Duplicates page of Contacts.',
    },
  ];
  return (
    <fieldset className="mt-3 grid gap-2" data-testid="import-duplicates-choice">
      <legend className="mb-1 text-sm font-medium">Contacts you already have</legend>
      {options.map((o) => (
        <label key={o.value} className="flex items-start gap-2 text-sm">
          <input
            type="radio"
            name={name}
            value={o.value}
            checked={value === o.value}
            disabled={disabled}
            onChange={() => onChange(o.value)}
            aria-describedby={`${name}-${o.value}-hint`}
            className="mt-0.5 size-4 shrink-0 accent-[var(--primary)]"
          />
          <span>
            {o.label}
            <span id={`${name}-${o.value}-hint`} className="block text-xs text-muted-foreground">
              {o.hint}
            </span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

function ImportPanel({ initial, onChange }: { initial: ImportRecord; onChange: (r: ImportRecord) => void }) {
  const [record, setRecord] = useState(initial);
  const [duplicates, setDuplicates] = useState<DuplicatesChoice>(initial.duplicates ?? 'suggest');
  const [mapping, setMapping] = useState<string[]>(initial.preview.csv?.mapping ?? []);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const update = (r: ImportRecord) => {
    setRecord(r);
    onChange(r);
  };
  usePoll(running(record.status), () => importStatusAction(record.id), update);
  const act = (fn: () => Promise<{ ok: true; data: ImportRecord } | { ok: false; error: string }>) =>
    start(async () => {
      setError(null);
      const result = await fn();
      if (result.ok) update(result.data);
      else setError(result.error);
    });
  const { preview } = record;
  const total = preview.counts.contacts + preview.counts.events + preview.counts.messages;
  return (
    <Card data-testid="import-panel">
      <CardHeader>
        <CardTitle level={3} className="flex flex-wrap items-center gap-2 text-base">
          <span className="break-all">{record.fileName}</span>
          <Badge>{record.status}</Badge>
        </CardTitle>
        <Counts preview={preview} />
      </CardHeader>
      <CardContent className="space-y-4">
        {preview.csv && record.status === 'previewed' && (
          <div className="space-y-2">
            <p className="text-sm font-medium">
              Columns{' '}
              {preview.csv.preset !== 'generic'
                ? `(recognised as ${preview.csv.preset === 'google' ? 'a Google' : 'an Outlook'} export)`
                : ''}
            </p>
            <div className="grid gap-2 sm:grid-cols-2">
              {preview.csv.header.map((column, i) => (
                <label
                  key={i}
                  className="flex min-w-0 items-center justify-between gap-2 rounded-md border border-border px-2 py-1 text-sm"
                >
                  <span className="truncate" title={column}>
                    {column || `Column ${i + 1}`}
                  </span>
                  <select
                    aria-label={`Field for ${column || `column ${i + 1}`}`}
                    className="h-8 rounded-md border border-border bg-background px-1 text-sm"
                    value={mapping[i] ?? 'ignore'}
                    onChange={(e) => setMapping((m) => Object.assign([...m], { [i]: e.target.value }))}
                  >
                    {CSV_FIELDS.map(([value, label]) => (
                      <option key={value} value={value}>
                        {label}
                      </option>
                    ))}
                  </select>
                </label>
              ))}
            </div>
            <Button
              variant="outline"
              size="sm"
              disabled={pending}
              onClick={() => act(() => setMappingAction(record.id, mapping))}
            >
              Apply mapping
            </Button>
          </div>
        )}
        {preview.errors.length > 0 && (
          <details open={record.status === 'previewed'}>
            <summary className="cursor-pointer text-sm font-medium">Problems ({preview.counts.errors})</summary>
            <ul className="mt-1 space-y-1 text-sm text-muted-foreground" data-testid="import-errors">
              {preview.errors.map((e, i) => (
                <li key={i}>{/^Line \d+/.test(e.message) ? e.message : `Line ${e.line}: ${e.message}`}</li>
              ))}
            </ul>
          </details>
        )}
        {preview.duplicates.length > 0 && (
          <div className="space-y-1">
            <p className="text-sm font-medium">Possibly the same person ({preview.duplicatesTotal})</p>
            <ul className="space-y-1 text-sm" data-testid="import-duplicates">
              {preview.duplicates.map((d, i) => (
                <li key={i}>
                  {d.name} (line {d.line}) and{' '}
                  <a className="text-primary underline underline-offset-4" href={`/contacts/${d.personId}`}>
                    {d.personName}
                  </a>{' '}
                  share {d.reasons.includes('same_email') ? 'an email' : 'a phone number'}.
                </li>
              ))}
            </ul>
            {record.status === 'previewed' ? (
              <DuplicatesChoiceGroup
                total={preview.duplicatesTotal}
                value={duplicates}
                onChange={setDuplicates}
                disabled={pending}
              />
            ) : (
              <p className="text-sm text-muted-foreground">
                {record.duplicates === 'merge'
                  ? 'Merged into your existing contacts.'
                  : 'Imported separately and suggested as merges.'}
              </p>
            )}
          </div>
        )}
        {running(record.status) && (
          <Progress done={record.progress.done} total={record.progress.total} label="Import progress" />
        )}
        {record.status === 'committed' && (
          <p className="text-sm" data-testid="import-result">
            Imported: {(record.result?.created ?? 0) - (record.result?.merged ?? 0)} new, {record.result?.updated ?? 0}{' '}
            updated
            {record.result?.merged ? `, ${record.result.merged} merged into existing contacts` : ''}
            {record.result?.failed ? `, ${record.result.failed} left out` : ''}.
          </p>
        )}
        {record.status === 'undone' && <p className="text-sm">Undone: {record.result?.removed ?? 0} items removed.</p>}
        {record.status === 'failed' && <p className="text-sm text-destructive">The import stopped: {record.error}</p>}
        {error && (
          <p role="alert" className="text-sm text-destructive">
            {error}
          </p>
        )}
        <div className="flex flex-wrap gap-2">
          {record.status === 'previewed' && (
            <Button
              disabled={pending || total === 0}
              onClick={() => act(() => commitImportAction(record.id, duplicates))}
            >
              Import {total.toLocaleString()} {total === 1 ? 'item' : 'items'}
            </Button>
          )}
          {(record.status === 'committed' || record.status === 'failed') && (
            <Button variant="outline" disabled={pending} onClick={() => act(() => undoImportAction(record.id))}>
              Undo this import
            </Button>
          )}
        </div>
      </CardContent>
    </Card>
  );
}

function TakeoutPanel({ initial }: { initial: TakeoutRecord | null }) {
  const [takeout, setTakeout] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  usePoll(takeout !== null && running(takeout.status), () => takeoutStatusAction(takeout!.id), setTakeout);
  return (
    <Card>
      <CardHeader>
        <CardTitle level={2} className="text-base">
          Takeout
        </CardTitle>
        <CardDescription>
          Everything in one archive: your graph as JSON Lines, files, contacts, calendar and mail, rules, plugins,
          grants and device summaries. Credentials stay here. It can be downloaded once.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-3">
        {takeout && running(takeout.status) && (
          <Progress done={takeout.progress.done} total={takeout.progress.total} label="Takeout progress" />
        )}
        {takeout?.status === 'ready' && (
          <Button asChild>
            <a
              href={`/settings/data/takeouts/${takeout.id}`}
              onClick={() => setTimeout(() => setTakeout({ ...takeout, status: 'downloaded' }), 500)}
            >
              <Download /> Download ({((takeout.byteSize ?? 0) / 1024).toFixed(0)} KB)
            </a>
          </Button>
        )}
        {takeout?.status === 'downloaded' && (
          <p className="text-sm text-muted-foreground">Downloaded. Make a new one for a fresh copy.</p>
        )}
        {takeout?.status === 'failed' && (
          <p className="text-sm text-destructive">The takeout stopped: {takeout.error}</p>
        )}
        {error && (
          <p role="alert" className="text-sm text-destructive">
            {error}
          </p>
        )}
        {(!takeout || !running(takeout.status)) && takeout?.status !== 'ready' && (
          <Button
            variant="outline"
            disabled={pending}
            onClick={() =>
              start(async () => {
                setError(null);
                const result = await startTakeoutAction();
                if (result.ok) setTakeout(result.data);
                else setError(result.error);
              })
            }
          >
            Make a takeout
          </Button>
        )}
      </CardContent>
    </Card>
  );
}

/** Settings → Import and export: upload with preview, CSV mapping, progress and undo; exports; takeout. */
export function DataPortability({ imports, takeouts }: { imports: ImportRecord[]; takeouts: TakeoutRecord[] }) {
  const [items, setItems] = useState(imports);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  async function upload(file: File) {
    setUploading(true);
    setError(null);
    try {
      const response = await fetch('/settings/data/upload', {
        method: 'POST',
        headers: { 'x-file-name': encodeURIComponent(file.name) },
        body: file,
      });
      const body = await response.json().catch(() => null);
      if (!response.ok) setError(body?.error?.message ?? `The upload failed (${response.status}).`);
      else setItems((list) => [body as ImportRecord, ...list]);
    } catch {
      setError('The upload did not reach the hub. Check your connection and try again.');
    } finally {
      setUploading(false);
      if (input.current) input.current.value = '';
    }
  }

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader>
          <CardTitle level={2} className="text-base">
            Import
          </CardTitle>
          <CardDescription>
            vCard (.vcf), CSV from Google or Outlook, iCalendar (.ics), mbox or .eml. You see what will be imported
            first; nothing is written until you confirm, and an import can be undone as a whole.
          </CardDescription>
        </CardHeader>
        <CardContent className="space-y-3">
          <label className="inline-flex">
            <input
              ref={input}
              type="file"
              className="peer sr-only"
              aria-label="File to import"
              accept=".vcf,.vcard,.csv,.ics,.mbox,.eml"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) void upload(file);
              }}
            />
            <span className="inline-flex h-10 cursor-pointer items-center gap-2 rounded-md bg-primary px-4 text-sm font-medium text-primary-foreground hover:bg-primary/90 peer-focus-visible:ring-2 peer-focus-visible:ring-ring peer-focus-visible:ring-offset-2">
              <Upload className="size-4" /> {uploading ? 'Reading the file…' : 'Choose a file'}
            </span>
          </label>
          {error && (
            <p role="alert" className="text-sm text-destructive">
              {error}
            </p>
          )}
        </CardContent>
      </Card>
      {items.slice(0, 5).map((record) => (
        <ImportPanel
          key={record.id}
          initial={record}
          onChange={(r) => setItems((list) => list.map((x) => (x.id === r.id ? r : x)))}
        />
      ))}
      <Card>
        <CardHeader>
          <CardTitle level={2} className="text-base">
            Export
          </CardTitle>
          <CardDescription>
            Files other programs open: everyone in your contacts, your whole calendar, all your messages.
          </CardDescription>
        </CardHeader>
        <CardContent className="flex flex-wrap gap-2">
          <Button variant="outline" asChild>
            <a href="/settings/data/export/contacts" download>
              <Download /> Contacts (vCard 4.0)
            </a>
          </Button>
          <Button variant="outline" asChild>
            <a href="/settings/data/export/events" download>
              <Download /> Calendar (iCalendar)
            </a>
          </Button>
          <Button variant="outline" asChild>
            <a href="/settings/data/export/messages" download>
              <Download /> Messages (mbox)
            </a>
          </Button>
        </CardContent>
      </Card>
      <TakeoutPanel initial={takeouts[0] ?? null} />
      <RestorePanel />
    </div>
  );
}
