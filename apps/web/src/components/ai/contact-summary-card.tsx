import { ContactSummary } from '@/components/ai/contact-summary';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { getContactSummary } from '@/lib/ai-api';
import { load } from '@/lib/hub';

/** The contact page's "Summary" card: the cached summary when the person's data is unchanged, else a button to make one. */
export async function ContactSummaryCard({ personId, name }: { personId: string; name: string }) {
  const cached = await load(() => getContactSummary(personId));
  return (
    <Card>
      <CardHeader>
        <CardTitle>Summary</CardTitle>
      </CardHeader>
      <CardContent>
        {cached.ok ? (
          <ContactSummary personId={personId} name={name} initial={cached.data.summary} stale={cached.data.stale} />
        ) : (
          <p className="text-sm text-muted-foreground">{cached.error}</p>
        )}
      </CardContent>
    </Card>
  );
}
