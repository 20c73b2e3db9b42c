'use client';
import { formatPhone, normalizePhone, type CountryCode } from '@made-open/shared/entities';
import { Building2, Cake, Mail, MapPin, Pencil, Phone, Tag, Trash2, Users } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import { ContactForm } from '@/components/contacts/contact-form';
import { DuplicateNotice, foundDuplicates } from '@/components/contacts/duplicate-notice';
import type { DuplicateNotice as DuplicateNoticeData } from '@made-open/shared/identity-api';
import { Avatar, PhotoControls } from '@/components/contacts/contact-photo';
import { Relationships } from '@/components/contacts/relationships';
import { PhoneActions } from '@/components/messages/phone-actions';
import { Badge } from '@/components/ui/badge';
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
import type { Relationship } from '@/lib/graph';
import { contactToInput, formatOccasion, type Address, type Contact, type ContactInput } from '@/lib/model';

/** A stored number as the reader expects it: national for the home region, international otherwise. */
function shownPhone(value: string, region: CountryCode | undefined) {
  const e164 = normalizePhone(value, region ? { defaultCountry: region } : {});
  return e164
    ? { text: formatPhone(e164, region), href: `tel:${e164}`, e164 }
    : { text: value, href: `tel:${value.replace(/[^\d+]/g, '')}`, e164: undefined };
}

function addressLines(a: Address): string[] {
  return [a.street, [a.postalCode, a.locality].filter(Boolean).join(' '), a.region, a.country].filter(
    (line): line is string => Boolean(line),
  );
}

export function ContactDetail({
  contact: initial,
  region,
  relationships = [],
  actions,
  status,
}: {
  contact: Contact;
  region?: CountryCode | undefined;
  relationships?: Relationship[];
  /** More buttons for the header, rendered on the server (the Video button). */
  actions?: ReactNode;
  /** A line under the name, rendered on the server (Teams presence). */
  status?: ReactNode;
}) {
  const [contact, setContact] = useState(initial);
  const [editing, setEditing] = useState(false);
  const [saving, setSaving] = useState(false);
  const [duplicates, setDuplicates] = useState<DuplicateNoticeData[]>(() => foundDuplicates.get(initial.id) ?? []);
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
    const { duplicates: found, ...saved } = result.data;
    setContact(saved);
    setDuplicates(found);
    if (found.length > 0) foundDuplicates.set(saved.id, found);
    else foundDuplicates.delete(saved.id);
    toast({
      title: 'Changes saved',
      action: {
        label: 'Undo',
        onAction: async () => {
          const reverted = await updateContactAction(result.data.id, result.data.version, contactToInput(before));
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
    <div className="grid grid-cols-[minmax(0,1fr)] gap-6">
      {duplicates.length > 0 && (
        <DuplicateNotice selfId={contact.id} duplicates={duplicates}>
          <Button
            variant="outline"
            size="sm"
            onClick={() => {
              foundDuplicates.delete(contact.id);
              setDuplicates([]);
            }}
          >
            Keep both
          </Button>
        </DuplicateNotice>
      )}
      <div className="flex flex-wrap items-center gap-4">
        <Avatar id={contact.id} name={contact.name} photo={contact.photo} className="size-16 text-xl" />
        {/* At least 12rem beside the photo: on a phone the actions wrap below instead of squeezing the name. */}
        <div className="min-w-0 flex-1 basis-48">
          <h1 className="text-2xl font-semibold tracking-tight break-words">{contact.name}</h1>
          {status}
          {(contact.organization || contact.jobTitle) && (
            <p className="flex items-center gap-1 text-sm text-muted-foreground">
              <Building2 className="size-4" aria-hidden="true" />{' '}
              {[contact.jobTitle, contact.organization].filter(Boolean).join(', ')}
            </p>
          )}
          {contact.groups.length + contact.tags.length > 0 && (
            <ul aria-label="Groups and tags" className="mt-1 flex flex-wrap gap-1">
              {contact.groups.map((g) => (
                <li key={`g-${g}`}>
                  <Badge className="gap-1 border-primary/40 text-foreground">
                    <Users className="size-3" aria-hidden="true" />
                    <span className="sr-only">Group: </span>
                    {g}
                  </Badge>
                </li>
              ))}
              {contact.tags.map((t) => (
                <li key={`t-${t}`}>
                  <Badge className="gap-1">
                    <Tag className="size-3" aria-hidden="true" />
                    <span className="sr-only">Tag: </span>
                    {t}
                  </Badge>
                </li>
              ))}
            </ul>
          )}
          <p className="sr-only" role="status" aria-live="polite">
            {saving ? 'Saving…' : ''}
          </p>
        </div>
        {!editing && (
          <div className="flex flex-wrap gap-2">
            {actions}
            <Button variant="outline" onClick={() => setEditing(true)}>
              <Pencil aria-hidden="true" /> Edit
            </Button>
            <MergeDialog contact={contact} onMerged={(merged) => setContact(merged)} />
            <PhotoControls id={contact.id} name={contact.name} photo={contact.photo} />
            <AlertDialog>
              <AlertDialogTrigger asChild>
                <Button variant="outline">
                  <Trash2 aria-hidden="true" /> Delete
                </Button>
              </AlertDialogTrigger>
              <AlertDialogContent>
                <AlertDialogTitle>Delete {contact.name}?</AlertDialogTitle>
                <AlertDialogDescription>
                  {contact.fromOutlook
                    ? 'The contact and its identifiers are removed, and the contact is deleted from Outlook (Microsoft 365) too. '
                    : 'The contact and its identifiers are removed. '}
                  Messages and calls stay in your hub but are no longer linked to this person. You can undo for a few
                  seconds.
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
              region={region}
              submitLabel="Save changes"
              onSubmit={save}
              onCancel={() => setEditing(false)}
            />
          </CardContent>
        </Card>
      ) : (
        <div className="grid grid-cols-[minmax(0,1fr)] gap-6 md:grid-cols-2">
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
                      <Mail className="size-4 shrink-0 text-muted-foreground" aria-label="Email" />
                      {/* A long address wraps where it must: it is read whole, never cut off. */}
                      <a
                        className="min-w-0 text-primary wrap-anywhere underline-offset-4 hover:underline"
                        href={`mailto:${e}`}
                      >
                        {e}
                      </a>
                    </li>
                  ))}
                  {contact.phones.map((p) => {
                    const shown = shownPhone(p, region);
                    return (
                      <li key={`p-${p}`} className="flex items-center gap-2">
                        <Phone className="size-4 text-muted-foreground" aria-label="Phone" />
                        <a className="text-primary underline-offset-4 hover:underline" href={shown.href}>
                          {shown.text}
                        </a>
                        {shown.e164 && <PhoneActions personId={contact.id} phone={shown.e164} label={shown.text} />}
                      </li>
                    );
                  })}
                </ul>
              )}
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Dates</CardTitle>
            </CardHeader>
            <CardContent>
              {!contact.birthday && contact.anniversaries.length === 0 ? (
                <p className="text-sm text-muted-foreground">
                  No birthday or other dates yet. Add them with Edit, and plugins can remind you.
                </p>
              ) : (
                <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
                  {contact.birthday && (
                    <>
                      <dt className="flex items-center gap-1 text-muted-foreground">
                        <Cake className="size-4" aria-hidden="true" /> Birthday
                      </dt>
                      <dd>{formatOccasion(contact.birthday)}</dd>
                    </>
                  )}
                  {contact.anniversaries.map((a, i) => (
                    <div key={`${a.label}-${i}`} className="contents">
                      <dt className="text-muted-foreground">{a.label}</dt>
                      <dd>{formatOccasion(a.date)}</dd>
                    </div>
                  ))}
                </dl>
              )}
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Addresses</CardTitle>
            </CardHeader>
            <CardContent>
              {contact.addresses.length === 0 ? (
                <p className="text-sm text-muted-foreground">No postal address yet.</p>
              ) : (
                <ul className="grid gap-3 text-sm">
                  {contact.addresses.map((a, i) => (
                    <li key={i} className="flex gap-2">
                      <MapPin className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
                      <div>
                        {a.label && <p className="font-medium">{a.label}</p>}
                        <address className="not-italic">
                          {addressLines(a).map((line, j) => (
                            <span key={j} className="block">
                              {line}
                            </span>
                          ))}
                        </address>
                      </div>
                    </li>
                  ))}
                </ul>
              )}
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Relationships</CardTitle>
            </CardHeader>
            <CardContent>
              <Relationships personId={contact.id} name={contact.name} items={relationships} />
            </CardContent>
          </Card>
          {contact.customFields.length > 0 && (
            <Card>
              <CardHeader>
                <CardTitle>More</CardTitle>
              </CardHeader>
              <CardContent>
                <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
                  {contact.customFields.map((f, i) => (
                    <div key={`${f.label}-${i}`} className="contents">
                      <dt className="text-muted-foreground">{f.label}</dt>
                      <dd className="whitespace-pre-wrap break-words">{f.value}</dd>
                    </div>
                  ))}
                </dl>
              </CardContent>
            </Card>
          )}
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
