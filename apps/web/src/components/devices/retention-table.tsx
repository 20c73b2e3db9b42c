'use client';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { saveRetentionAction } from '@/lib/actions/devices';
import type { DeviceSource } from '@/lib/devices';
import { SaveMessage, type SaveOutcome } from '@/components/ui/save-message';

const labels: Record<string, string> = {
  location: 'Location',
  wifi: 'WiFi',
  active_app: 'Active app',
  idle: 'Idle',
  clipboard: 'Clipboard',
  call_log: 'Call log',
  battery: 'Battery',
  screen: 'Screen',
};

function size(bytes: number) {
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const blankOr = (value: string) => (value.trim() === '' ? null : Number(value));

/** One source's retention: a small form per row, so each saves on its own. */
function SourceRow({ source }: { source: DeviceSource }) {
  const s = source.settings;
  const [raw, setRaw] = useState(String(s.rawDays));
  const [thin, setThin] = useState(s.downsampleMinutes === null ? '' : String(s.downsampleMinutes));
  const [keep, setKeep] = useState(s.keepDays === null ? '' : String(s.keepDays));
  const [budget, setBudget] = useState(s.budgetMb === null ? '' : String(s.budgetMb));
  const [message, setMessage] = useState<SaveOutcome>();
  const label = labels[source.type] ?? source.type;
  const form = `retention-${source.type}`;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const result = await saveRetentionAction(source.type, {
      rawDays: Number(raw),
      downsampleMinutes: blankOr(thin),
      keepDays: blankOr(keep),
      budgetMb: blankOr(budget),
    });
    setMessage(result.ok ? { tone: 'ok', text: 'Saved' } : { tone: 'error', text: result.error });
  }

  const field = (name: string, value: string, set: (v: string) => void, placeholder: string) => (
    <Input
      form={form}
      aria-label={`${label}: ${name}`}
      inputMode="numeric"
      value={value}
      onChange={(e) => set(e.target.value)}
      placeholder={placeholder}
      className="h-8 w-20"
    />
  );

  return (
    <tr className="border-t border-border align-top">
      <th scope="row" className="py-2 pr-3 text-left font-medium">
        {label}
        {source.overBudget && (
          <span className="ml-2 rounded bg-destructive px-1.5 py-0.5 text-xs text-destructive-foreground">
            over budget
          </span>
        )}
      </th>
      <td className="py-2 pr-3 tabular-nums">{source.events.toLocaleString()}</td>
      <td className="py-2 pr-3 tabular-nums">{size(source.estimatedBytes)}</td>
      <td className="py-2 pr-3">{field('raw days', raw, setRaw, '30')}</td>
      <td className="py-2 pr-3">{field('thin to one per minutes', thin, setThin, 'none')}</td>
      <td className="py-2 pr-3">{field('keep thinned days', keep, setKeep, 'always')}</td>
      <td className="py-2 pr-3">{field('budget MB', budget, setBudget, 'none')}</td>
      <td className="py-2">
        <form id={form} onSubmit={submit} className="flex items-center gap-2">
          <Button type="submit" size="sm" variant="outline" aria-label={`Save ${label} retention`}>
            Save
          </Button>
          <SaveMessage message={message} as="span" />
        </form>
      </td>
    </tr>
  );
}

export function RetentionTable({ sources }: { sources: DeviceSource[] }) {
  return (
    <div className="grid min-w-0 gap-2">
      <p id="retention-hint" className="text-sm text-muted-foreground">
        Raw events are kept for the raw days; then thinned to one point per device per bucket (kept for the days given,
        or always), or deleted when no thinning is set. Past its budget, a source raises a notification. Applied
        nightly.
      </p>
      <div className="relative min-w-0 overflow-x-auto">
        <table
          className="w-full min-w-[46rem] text-sm"
          aria-label="Retention per source"
          aria-describedby="retention-hint"
        >
          <thead>
            <tr className="text-left text-muted-foreground">
              <th scope="col" className="pb-2 pr-3 font-medium">
                Source
              </th>
              <th scope="col" className="pb-2 pr-3 font-medium">
                Events
              </th>
              <th scope="col" className="pb-2 pr-3 font-medium">
                Disk (est.)
              </th>
              <th scope="col" className="pb-2 pr-3 font-medium">
                Raw days
              </th>
              <th scope="col" className="pb-2 pr-3 font-medium">
                Thin to 1 per (min)
              </th>
              <th scope="col" className="pb-2 pr-3 font-medium">
                Keep thinned (days)
              </th>
              <th scope="col" className="pb-2 pr-3 font-medium">
                Budget (MB)
              </th>
              <th scope="col" className="pb-2 font-medium">
                <span className="sr-only">Save</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sources.map((source) => (
              <SourceRow key={source.type} source={source} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
