import type { Metadata } from 'next';
import { ContactClasses } from '@/components/ai/contact-classes';
import { DataClasses } from '@/components/ai/data-classes';
import { EgressAudit } from '@/components/ai/egress-audit';
import { EmbeddingSettings } from '@/components/ai/embedding-settings';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { getEmbeddingStatus, listClasses, listContactClasses, listEgress, listLocalModels } from '@/lib/ai-api';
import { load } from '@/lib/hub';

export const metadata: Metadata = { title: 'AI privacy' };

export default async function AiSettingsPage() {
  const [classes, contactClasses, egress, embeddings, localModels] = await Promise.all([
    load(listClasses),
    load(listContactClasses),
    load(() => listEgress(100)),
    load(getEmbeddingStatus),
    listLocalModels().catch(() => []),
  ]);
  return (
    <>
      <PageHeader
        title="AI privacy"
        description="Which of your data only a local model may read, and everything that has been sent to a cloud model."
      />
      <section aria-labelledby="classes-heading" className="mb-10">
        <h2 id="classes-heading" className="mb-1 text-lg font-semibold">
          Data classes
        </h2>
        <p className="mb-4 text-sm text-muted-foreground">
          Sensitive data goes only to a local model (Ollama). Emails, phone numbers, card numbers, IBANs and street
          addresses count as sensitive wherever they appear. Without a local model, a redacted copy (those details
          replaced by placeholders) may go to the cloud only where you allow it.
        </p>
        {classes.ok ? (
          <DataClasses initial={classes.data} />
        ) : (
          <Problem title="Could not load your data classes" message={classes.error} />
        )}
      </section>
      <section aria-labelledby="contact-classes-heading" className="mb-10">
        <h2 id="contact-classes-heading" className="mb-1 text-lg font-semibold">
          Contacts with their own class
        </h2>
        <p className="mb-4 text-sm text-muted-foreground">
          A contact’s own class replaces the classes above for them and everything linked to them: their texts, calls,
          email, events and notes. Where several such contacts meet, the stricter class wins.
        </p>
        {contactClasses.ok ? (
          <ContactClasses initial={contactClasses.data} />
        ) : (
          <Problem title="Could not load your contacts’ classes" message={contactClasses.error} />
        )}
      </section>
      <section aria-labelledby="embeddings-heading" className="mb-10">
        <h2 id="embeddings-heading" className="mb-1 text-lg font-semibold">
          Search by meaning
        </h2>
        <p className="mb-4 text-sm text-muted-foreground">
          Answers find your items by meaning as well as by their words. The built-in model runs on this hub and needs no
          network; a local Ollama model is the other choice. Changing the model embeds everything again.
        </p>
        {embeddings.ok ? (
          <EmbeddingSettings initial={embeddings.data} localModels={localModels} />
        ) : (
          <Problem title="Could not load the embedding status" message={embeddings.error} />
        )}
      </section>
      <section aria-labelledby="egress-heading">
        <h2 id="egress-heading" className="mb-1 text-lg font-semibold">
          Sent to cloud models
        </h2>
        <p className="mb-4 text-sm text-muted-foreground">
          Every request to a cloud model: when, which model, which of your items, how much, and what was replaced before
          sending. The content itself is never stored here.
        </p>
        {egress.ok ? (
          <EgressAudit entries={egress.data} />
        ) : (
          <Problem title="Could not load the audit" message={egress.error} />
        )}
      </section>
    </>
  );
}
