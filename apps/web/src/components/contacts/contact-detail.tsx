'use client';
import { Building2, Mail, Pencil, Phone, Trash2 } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ContactForm } from '@/components/contacts/contact-form';
import { MergeDialog } from '@/components/contacts/merge-dialog';
import { usePendingDeletes } from '@/components/shell/pending-deletes';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogTitle,
  AlertDialogTrigger,
} from '@/components/ui/dialog';
import { useToast } from '@/components/ui/toast';
import { deleteContactAction, updateContactAction } from '@/lib/actions/contacts';
import type { Contact, ContactInput } from '@/lib/model';
import { initials } from '@/lib/utils';

function toInput(c: Contact): ContactInput {
  return { name: c.name, emails: c.emails, phones: c.phones, organization: c.organization, notes: c.notes };
}

export function ContactDetail({ contact: initial }: { contact: Contact }) {
  const [contact, setContact] = useState(initial);
  const [editing, setEditing] = useState(false);
  const [saving, setSaving] = useState(false);
  const router = useRouter();
  const toast = useToast();
  const { remove } = usePendingDeletes();

  async function save(input: ContactInput) {
    const before = contact;
    // Optimistic: show the new values at once, roll back if the hub refuses.
    setContact({ ...before, ...input });
    setEditing(false);
    setSaving(true);
    const result = await updateContactAction(before.id, before.version, input);
    setSaving(false);
    if (!result.ok) {
      setContact(before);
      setEditing(true);
      return { error: result.error, ...(result.fieldErrors ? { fieldErrors: result.fieldErrors } : {}) };
    }
    setContact(result.data);
    toast({
      title: 'Changes saved',
      action: {
        label: 'Undo',
        onAction: async () => {
          const reverted = await updateContactAction(result.data.id, result.data.version, toInput(before));
          if (reverted.ok) {
            setContact(reverted.data);
            toast({ title: 'Changes undone' });
          } else toast({ title: 'Could not undo', description: reverted.error, tone: 'error' });
        },
      },
    });
    router.refresh();
  }

  return (
    <div className="grid gap-6">
      <div className="flex flex-wrap items-center gap-4">
        <span
          aria-hidden="true"
          className="grid size-14 shrink-0 place-items-center rounded-full bg-primary/15 text-lg font-semibold text-primary"
        >
          {initials(contact.name)}
        </span>
        <div className="min-w-0 flex-1">
          <h1 className="truncate text-2xl font-semibold tracking-tight">{contact.name}</h1>
          {contact.organization && (
            <p className="flex items-center gap-1 text-sm text-muted-foreground">
              <Building2 className="size-4" aria-hidden="true" /> {contact.organization}
            </p>
          )}
          <p className="sr-only" role="status" aria-live="polite">
            {saving ? 'Saving…' : ''}
          </p>
        </div>
        {!editing && (
          <div className="flex flex-wrap gap-2">
            <Button variant="outline" onClick={() => setEditing(true)}>
              <Pencil aria-hidden="true" /> Edit
            </Button>
            <MergeDialog contact={contact} onMerged={(merged) => setContact(merged)} />
            <AlertDialog>
              <AlertDialogTrigger asChild>
                <Button variant="outline">
                  <Trash2 aria-hidden="true" /> Delete
                </Button>
              </AlertDialogTrigger>
              <AlertDialogContent>
                <AlertDialogTitle>Delete {contact.name}?</AlertDialogTitle>
                <AlertDialogDescription>
                  The contact and its identifiers are removed. Messages and calls stay in your hub but are no longer
                  linked to this person. You can undo for a few seconds.
                </AlertDialogDescription>
                <div className="flex justify-end gap-2">
                  <AlertDialogCancel>Keep</AlertDialogCancel>
                  <AlertDialogAction
                    onClick={() => {
                      remove({ id: contact.id, label: contact.name }, deleteContactAction);
                      router.push('/contacts');
                    }}
                  >
                    Delete
                  </AlertDialogAction>
                </div>
              </AlertDialogContent>
            </AlertDialog>
          </div>
        )}
      </div>

      {editing ? (
        <Card>
          <CardHeader>
            <CardTitle>Edit contact</CardTitle>
          </CardHeader>
          <CardContent>
            <ContactForm
              initial={contact}
              submitLabel="Save changes"
              onSubmit={save}
              onCancel={() => setEditing(false)}
            />
          </CardContent>
        </Card>
      ) : (
        <div className="grid gap-6 md:grid-cols-2">
          <Card>
            <CardHeader>
              <CardTitle>Ways to reach</CardTitle>
            </CardHeader>
            <CardContent>
              {contact.emails.length + contact.phones.length === 0 ? (
                <p className="text-sm text-muted-foreground">
                  No email address or phone number yet. Add one so messages and calls from {contact.name} are linked
                  here.
                </p>
              ) : (
                <ul className="grid gap-2 text-sm">
                  {contact.emails.map((e) => (
                    <li key={`e-${e}`} className="flex items-center gap-2">
                      <Mail className="size-4 text-muted-foreground" aria-label="Email" />
                      <a className="truncate text-primary underline-offset-4 hover:underline" href={`mailto:${e}`}>
                        {e}
                      </a>
                    </li>
                  ))}
                  {contact.phones.map((p) => (
                    <li key={`p-${p}`} className="flex items-center gap-2">
                      <Phone className="size-4 text-muted-foreground" aria-label="Phone" />
                      <a
                        className="text-primary underline-offset-4 hover:underline"
                        href={`tel:${p.replace(/[^\d+]/g, '')}`}
                      >
                        {p}
                      </a>
                    </li>
                  ))}
                </ul>
              )}
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Notes</CardTitle>
            </CardHeader>
            <CardContent>
              {contact.notes ? (
                <p className="whitespace-pre-wrap text-sm">{contact.notes}</p>
              ) : (
                <p className="text-sm text-muted-foreground">
                  Nothing noted yet. Use Edit to add what you want to remember about {contact.name}.
                </p>
              )}
            </CardContent>
          </Card>
        </div>
      )}
    </div>
  );
}
