'use client';
import { LoaderCircle, SlidersHorizontal } from 'lucide-react';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import {
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogTitle,
  DialogTrigger,
} from '@/components/ui/dialog';
import { updateMicrosoftOptionsAction } from '@/lib/actions/connections';
import type { MicrosoftConnection } from '@/lib/connections/model';
import { MicrosoftSyncFields, readSyncFields, syncFieldsOf } from './microsoft-sync-fields';

/**
 * "Change what syncs" for a connected mailbox: its extra folders, calendar window and polling.
 * Saving queues a sync, so a new folder or a wider window comes in now (the card shows it).
 */
export function MicrosoftOptionsDialog({
  connection,
  describedBy,
}: {
  connection: MicrosoftConnection;
  describedBy: string;
}) {
  const [open, setOpen] = useState(false);
  const [fields, setFields] = useState(() => syncFieldsOf(connection.options));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();

  function openChange(next: boolean) {
    // Each opening starts from what the hub has now.
    if (next) {
      setFields(syncFieldsOf(connection.options));
      setError(undefined);
    }
    setOpen(next);
  }

  async function save(event: React.FormEvent) {
    event.preventDefault();
    const read = readSyncFields(fields);
    if ('error' in read) return setError(read.error);
    setPending(true);
    const result = await updateMicrosoftOptionsAction(connection.id, read.options);
    setPending(false);
    if (!result.ok) return setError(result.error);
    setOpen(false);
  }

  return (
    <Dialog open={open} onOpenChange={openChange}>
      <DialogTrigger asChild>
        <Button variant="outline" size="sm" aria-describedby={describedBy}>
          <SlidersHorizontal aria-hidden="true" /> Change what syncs
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogTitle>What syncs from {connection.label}</DialogTitle>
        <DialogDescription>
          Inbox, Sent Items and Archive always sync. Mail already here stays when you remove a folder; events outside a
          smaller calendar window leave the hub at the next sync.
        </DialogDescription>
        <form className="grid gap-3 sm:grid-cols-2" onSubmit={(event) => void save(event)}>
          <MicrosoftSyncFields values={fields} onChange={setFields} />
          <p className="text-sm text-muted-foreground sm:col-span-2">
            {connection.options.workAccount ? 'Work or school account' : 'Personal account'}: set when you signed in;
            disconnect and connect again to change it.
          </p>
          {error && (
            <p role="alert" className="text-sm text-destructive sm:col-span-2">
              {error}
            </p>
          )}
          <div className="flex flex-wrap justify-end gap-2 sm:col-span-2">
            <DialogClose asChild>
              <Button type="button" variant="outline">
                Cancel
              </Button>
            </DialogClose>
            <Button type="submit" disabled={pending}>
              {pending && <LoaderCircle className="animate-spin" aria-hidden="true" />}
              Save and sync
            </Button>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}
