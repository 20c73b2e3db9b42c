'use client';
import { KeyRound, Plus } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { PageHeader } from '@/components/page-header';
import { CredentialCard, type CredentialActions } from '@/components/settings/credentials/credential-card';
import { CredentialForm } from '@/components/settings/credentials/credential-form';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogTitle } from '@/components/ui/dialog';
import { useToast } from '@/components/ui/toast';
import {
  addCredentialAction,
  removeCredentialAction,
  replaceCredentialAction,
  testCredentialAction,
} from '@/lib/actions/settings';
import { defaultCredentialType, providerLabel } from '@/lib/settings/credentials';
import type { CredentialType, CredentialView } from '@/lib/settings/model';

export function CredentialsScreen({
  credentials: initial,
  addType,
}: {
  credentials: CredentialView[];
  addType?: CredentialType | undefined;
}) {
  const [credentials, setCredentials] = useState(initial);
  const [adding, setAdding] = useState<CredentialType | null>(addType ?? null);
  const router = useRouter();
  const toast = useToast();
  // The dialog opens from more than one button (and from ?add=): give focus back to the
  // one used, or to the page when it is gone (the empty state's button, after a save).
  const opener = useRef<HTMLElement | null>(null);
  function openAdd() {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setAdding(defaultCredentialType());
  }
  function restoreFocus(e: Event) {
    e.preventDefault();
    const target = opener.current?.isConnected ? opener.current : document.getElementById('main');
    target?.focus();
  }
  // The server's list wins after a refresh (another tab may have changed the wallet).
  useEffect(() => setCredentials(initial), [initial]);

  const actions: CredentialActions = {
    test: async (id) => {
      const result = await testCredentialAction(id);
      router.refresh();
      return result;
    },
    replace: async (id, values) => {
      const result = await replaceCredentialAction(id, values);
      if (!result.ok)
        return { error: result.error, ...(result.fieldErrors ? { fieldErrors: result.fieldErrors } : {}) };
      setCredentials((list) => list.map((c) => (c.id === id ? result.data : c)));
      toast({ title: 'Credential replaced', description: `${result.data.name} now holds the new values.` });
      router.refresh();
    },
    remove: async (id) => {
      const result = await removeCredentialAction(id);
      if (!result.ok) {
        toast({ title: 'Could not remove the credential', description: result.error, tone: 'error' });
        return;
      }
      const removed = credentials.find((c) => c.id === id);
      setCredentials((list) => list.filter((c) => c.id !== id));
      toast({
        title: 'Credential removed',
        description: removed ? `${removed.name} is gone from your wallet.` : undefined,
      });
      router.refresh();
    },
  };

  const addButton = (
    <Button onClick={openAdd}>
      <Plus aria-hidden="true" /> Add credential
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Credentials"
        description="Keys for the services your hub and its plugins use. Stored encrypted; secrets are never shown again, and plugins can use them without seeing them."
        actions={credentials.length > 0 ? addButton : undefined}
      />
      {credentials.length === 0 ? (
        <div className="rounded-lg border border-dashed border-border p-8 text-center">
          <KeyRound className="mx-auto size-8 text-muted-foreground" aria-hidden="true" />
          <h2 className="mt-3 text-lg font-semibold">Your wallet is empty</h2>
          <p className="mx-auto mt-1 max-w-md text-sm text-muted-foreground">
            Add a credential to switch things on: a Twilio account for text messages and calls, OpenRouter or Ollama for
            AI, Microsoft 365 for email and calendar, or an API key a plugin needs.
          </p>
          <div className="mt-4">{addButton}</div>
        </div>
      ) : (
        <ul className="grid gap-4 lg:grid-cols-2" aria-label="Your credentials">
          {credentials.map((c) => (
            <li key={c.id}>
              <CredentialCard credential={c} actions={actions} />
            </li>
          ))}
        </ul>
      )}
      <Dialog open={adding !== null} onOpenChange={(open) => !open && setAdding(null)}>
        <DialogContent className="max-w-2xl" onCloseAutoFocus={restoreFocus}>
          <DialogTitle>Add a credential</DialogTitle>
          <DialogDescription>Choose the service, then paste the values it gave you.</DialogDescription>
          {adding !== null && (
            <CredentialForm
              mode="add"
              type={adding}
              onCancel={() => setAdding(null)}
              onSubmit={async (values) => {
                const result = await addCredentialAction(values);
                if (!result.ok)
                  return { error: result.error, ...(result.fieldErrors ? { fieldErrors: result.fieldErrors } : {}) };
                setCredentials((list) => [...list, result.data]);
                setAdding(null);
                toast({
                  title: 'Credential saved',
                  description: `${result.data.name} (${providerLabel(result.data.type)}) is in your wallet. Test it to check it works.`,
                });
                router.refresh();
              }}
            />
          )}
        </DialogContent>
      </Dialog>
    </>
  );
}
