import { ContactPrivacy } from '@/components/ai/contact-privacy';
import { ContactSummary } from '@/components/ai/contact-summary';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { getContactSummary, listContactClasses } from '@/lib/ai-api';
import { load } from '@/lib/hub';

/**
 * The contact page's "Summary" card: the cached summary when the person's data is unchanged,
 * else a button to make one; below it, who may read what is about them.
 */
export async function ContactSummaryCard({ personId, name }: { personId: string; name: string }) {
  const [cached, classes] = await Promise.all([load(() => getContactSummary(personId)), load(listContactClasses)]);
  const own = classes.ok ? classes.data.find((c) => c.personId === personId) : undefined;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Summary</CardTitle>
      </CardHeader>
      <CardContent className="grid gap-4">
        {cached.ok ? (
          <ContactSummary personId={personId} name={name} initial={cached.data.summary} stale={cached.data.stale} />
        ) : (
          <p className="text-sm text-muted-foreground">{cached.error}</p>
        )}
        {classes.ok && (
          <ContactPrivacy
            personId={personId}
            name={name}
            initial={own ? { dataClass: own.dataClass, cloudRedacted: own.cloudRedacted } : null}
          />
        )}
      </CardContent>
    </Card>
  );
}
