'use client';
import type { CountryCode } from '@made-open/shared/entities';
import type { DuplicateNotice as Notice } from '@made-open/shared/identity-api';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ContactForm } from '@/components/contacts/contact-form';
import { DuplicateNotice } from '@/components/contacts/duplicate-notice';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toast';
import { createContactAction } from '@/lib/actions/contacts';

export function NewContact({ name, region }: { name?: string; region?: CountryCode | undefined }) {
  const router = useRouter();
  const toast = useToast();
  // Saved, but it shares a phone or email with someone: offer the merge before moving on.
  const [saved, setSaved] = useState<{ id: string; name: string; duplicates: Notice[] }>();
  if (saved) {
    return (
      <div className="grid gap-4">
        <p role="status">
          Saved <strong>{saved.name}</strong>.
        </p>
        <DuplicateNotice selfId={saved.id} duplicates={saved.duplicates}>
          <Button variant="outline" size="sm" onClick={() => router.push(`/contacts/${saved.id}`)}>
            Keep both and open {saved.name}
          </Button>
        </DuplicateNotice>
      </div>
    );
  }
  return (
    <ContactForm
      initial={{ name: name ?? '' }}
      region={region}
      submitLabel="Save contact"
      onCancel={() => router.push('/contacts')}
      onSubmit={async (input) => {
        const result = await createContactAction(input);
        if (!result.ok)
          return { error: result.error, ...(result.fieldErrors ? { fieldErrors: result.fieldErrors } : {}) };
        if (result.data.duplicates.length > 0) {
          setSaved({ id: result.data.id, name: result.data.name, duplicates: result.data.duplicates });
          return;
        }
        toast({ title: `Added ${result.data.name}` });
        router.push(`/contacts/${result.data.id}`);
      }}
    />
  );
}
