import type { Occasion } from '@made-open/shared/timeline';
import { Cake, Heart } from 'lucide-react';
import Link from 'next/link';

const MONTH_DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', timeZone: 'UTC' });

function when(o: Occasion): string {
  if (o.inDays === 0) return 'today';
  if (o.inDays === 1) return 'tomorrow';
  return `in ${o.inDays} days, ${MONTH_DAY.format(new Date(`${o.date}T00:00:00Z`))}`;
}

function what(o: Occasion): string {
  if (o.kind === 'birthday') return o.years !== null ? `turns ${o.years}` : 'birthday';
  return o.years !== null ? `${o.label}, ${o.years} ${o.years === 1 ? 'year' : 'years'}` : o.label;
}

/** Birthdays and anniversaries this week, soonest first. */
export function OccasionList({ occasions }: { occasions: Occasion[] }) {
  if (occasions.length === 0) {
    return (
      <p className="text-sm text-muted-foreground">
        No birthdays or anniversaries this week. Add them on a contact (Edit, then Birthday) and they show here when
        they come round.
      </p>
    );
  }
  return (
    <ul className="grid gap-2" aria-label="Birthdays and anniversaries">
      {occasions.map((o) => {
        const Icon = o.kind === 'birthday' ? Cake : Heart;
        return (
          <li key={`${o.personId}:${o.kind}:${o.label}`} className="flex items-center gap-3 text-sm">
            <span className="grid size-8 shrink-0 place-items-center rounded-full bg-muted">
              <Icon className="size-4 text-muted-foreground" aria-hidden="true" />
            </span>
            <p>
              <Link href={`/contacts/${o.personId}`} className="font-medium text-primary underline underline-offset-4">
                {o.name}
              </Link>{' '}
              {what(o)} <span className={o.inDays === 0 ? 'font-medium' : 'text-muted-foreground'}>{when(o)}</span>
            </p>
          </li>
        );
      })}
    </ul>
  );
}
