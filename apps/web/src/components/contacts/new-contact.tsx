'use client';
import type { CountryCode } from '@made-open/shared/entities';
import { useRouter } from 'next/navigation';
import { ContactForm } from '@/components/contacts/contact-form';
import { useToast } from '@/components/ui/toast';
import { createContactAction } from '@/lib/actions/contacts';

export function NewContact({ name, region }: { name?: string; region?: CountryCode | undefined }) {
  const router = useRouter();
  const toast = useToast();
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
        toast({ title: `Added ${result.data.name}` });
        router.push(`/contacts/${result.data.id}`);
      }}
    />
  );
}
