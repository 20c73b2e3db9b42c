'use client';
import { formatPhone, type CountryCode } from '@made-open/shared/entities';
import { LoaderCircle } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Label } from '@/components/ui/label';
import { saveDefaultRegionAction } from '@/lib/actions/account';
import { SaveMessage, type SaveOutcome } from '@/components/ui/save-message';

const example: Record<string, string> = { GB: '+447700900123', US: '+12025550199' };

/** The default region: numbers written without a country code are read (and shown) as this region's. */
export function RegionForm({
  initial,
  regions,
}: {
  initial: string | null;
  regions: { code: string; name: string }[];
}) {
  const [region, setRegion] = useState(initial ?? '');
  const [saved, setSaved] = useState(initial ?? '');
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<SaveOutcome>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setMessage(undefined);
    const result = await saveDefaultRegionAction(region);
    setPending(false);
    if (!result.ok) return setMessage({ tone: 'error', text: result.error });
    setSaved(result.data.defaultRegion ?? '');
    setMessage({
      tone: 'ok',
      text: result.data.defaultRegion
        ? `Saved. Numbers without a country code are now read as ${regions.find((r) => r.code === result.data.defaultRegion)?.name ?? result.data.defaultRegion} numbers.`
        : 'Saved. Numbers now need their country code.',
    });
  }

  const sample = region ? formatPhone(example[region] ?? '', region as CountryCode) : '';
  return (
    <form onSubmit={submit} className="grid max-w-sm gap-3" aria-label="Default region">
      <div className="grid gap-1.5">
        <Label htmlFor="default-region">Default region for phone numbers</Label>
        <select
          id="default-region"
          name="region"
          value={region}
          onChange={(e) => setRegion(e.target.value)}
          aria-describedby="default-region-hint"
          className="h-9 rounded-md border border-input bg-background px-3 text-sm"
        >
          <option value="">None: always type the country code</option>
          {regions.map((r) => (
            <option key={r.code} value={r.code}>
              {r.name} ({r.code})
            </option>
          ))}
        </select>
        <p id="default-region-hint" className="text-xs text-muted-foreground">
          Numbers typed without a country code{sample ? `, like ${sample},` : ''} are read as this region&apos;s, and
          shown in its national format.
        </p>
      </div>
      <SaveMessage message={message} />
      <div>
        <Button type="submit" disabled={pending || region === saved}>
          {pending && <LoaderCircle className="animate-spin" aria-hidden="true" />}
          Save region
        </Button>
      </div>
    </form>
  );
}
