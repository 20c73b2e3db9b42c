'use client';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { saveAppUsageZoneAction } from '@/lib/actions/devices';

/**
 * Stored daily app-usage summaries are cut at midnight in one zone per account: when it is
 * not the reader's, finished days are counted from the events (while they are kept) instead.
 * One button makes the reader's zone the summaries' zone from now on.
 */
export function SummaryZone({ summaryZone, readerZone }: { summaryZone: string; readerZone: string }) {
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string>();
  if (summaryZone === readerZone) return null;

  async function save() {
    setSaving(true);
    setError(undefined);
    const result = await saveAppUsageZoneAction(readerZone);
    setSaving(false);
    if (!result.ok) setError(`${result.error} Try again, or reload the page.`);
  }

  return (
    <div className="grid max-w-2xl gap-2 rounded-lg border border-border p-3 text-sm">
      <p>
        Daily app summaries are stored for days in {summaryZone}, not your zone ({readerZone}), so days here are counted
        from the recorded events, which retention deletes after a while.
      </p>
      <Button type="button" variant="outline" size="sm" className="justify-self-start" disabled={saving} onClick={save}>
        {saving ? 'Saving…' : `Store summaries in ${readerZone}`}
      </Button>
      {error && (
        <p role="alert" className="text-destructive">
          {error}
        </p>
      )}
    </div>
  );
}
