'use client';
import { CloudUpload, LoaderCircle } from 'lucide-react';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogTitle, DialogTrigger } from '@/components/ui/dialog';
import { useToast } from '@/components/ui/toast';
import { saveToOutlookAction } from '@/lib/actions/connections';

interface Account {
  id: string;
  label: string;
}

/** One account: a button. Several: a dialog that asks which mailbox's contacts. */
export function SaveToOutlookButton({
  personId,
  name,
  accounts,
}: {
  personId: string;
  name: string;
  accounts: Account[];
}) {
  const toast = useToast();
  const [pending, setPending] = useState<string>();
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState(false);

  async function save(account: Account) {
    setPending(account.id);
    setError(undefined);
    const result = await saveToOutlookAction(account.id, personId);
    setPending(undefined);
    if (!result.ok) return setError(result.error);
    setOpen(false);
    toast({
      title: `${name} is in Outlook`,
      description: `Saved to the contacts of ${account.label}; edits here reach it.`,
    });
  }

  const spinner = <LoaderCircle className="animate-spin" aria-hidden="true" />;
  const alert = error && (
    <p role="alert" className="text-sm text-destructive">
      {error}
    </p>
  );
  if (accounts.length === 1) {
    const only = accounts[0]!;
    return (
      <>
        <Button variant="outline" onClick={() => void save(only)} disabled={pending !== undefined}>
          {pending ? spinner : <CloudUpload aria-hidden="true" />} Save to Outlook
        </Button>
        {alert}
      </>
    );
  }
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline">
          <CloudUpload aria-hidden="true" /> Save to Outlook
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogTitle>Save {name} to Outlook</DialogTitle>
        <DialogDescription>Which mailbox&apos;s contacts? Edits made here then reach that contact.</DialogDescription>
        <div className="grid gap-2">
          {accounts.map((account) => (
            <Button
              key={account.id}
              variant="outline"
              className="justify-start"
              onClick={() => void save(account)}
              disabled={pending !== undefined}
            >
              {pending === account.id ? spinner : <CloudUpload aria-hidden="true" />} {account.label}
            </Button>
          ))}
        </div>
        {alert}
      </DialogContent>
    </Dialog>
  );
}
