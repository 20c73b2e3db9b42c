import { CONTACT_TIMELINE_TYPES } from '@/components/timeline/contact-types';
import { PersonTimeline } from '@/components/timeline/person-timeline';
import { StayInTouch } from '@/components/timeline/stay-in-touch';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { getEntity } from '@/lib/graph';
import { load } from '@/lib/hub';
import { getPersonTimeline } from '@/lib/timeline';

/**
 * The contact page's "Keep in touch" and "Timeline" cards (issue 17 §3): its own section,
 * loaded beside the contact, so the rest of the page does not wait on it or change with it.
 */
export async function ContactTimeline({ personId, name }: { personId: string; name: string }) {
  const [page, person] = await Promise.all([load(() => getPersonTimeline(personId)), load(() => getEntity(personId))]);
  const weeks =
    person.ok && typeof person.data.properties?.stayInTouchWeeks === 'number'
      ? person.data.properties.stayInTouchWeeks
      : null;
  // Last contacted: the newest text, call, note or event on the timeline that is not in the future.
  const now = Date.now();
  const last = page.ok
    ? page.data.items.find((item) => CONTACT_TIMELINE_TYPES.has(item.type) && Date.parse(item.at) <= now)
    : undefined;
  return (
    <>
      <Card>
        <CardHeader>
          <CardTitle>Keep in touch</CardTitle>
        </CardHeader>
        <CardContent>
          <StayInTouch personId={personId} name={name} weeks={weeks} lastContacted={last?.at ?? null} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Timeline</CardTitle>
        </CardHeader>
        <CardContent>
          {page.ok ? (
            <PersonTimeline personId={personId} name={name} first={page.data} />
          ) : (
            <p role="alert" className="text-sm text-muted-foreground">
              {page.error}
            </p>
          )}
        </CardContent>
      </Card>
    </>
  );
}
