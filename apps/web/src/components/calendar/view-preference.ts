import { VIEWS, type CalendarViewKind } from './model';

/** The calendar view last used in this browser (a phone and a desktop may want different ones). */
export const CALENDAR_VIEW_KEY = 'made-open:calendar-view';

/** Narrower than Tailwind's `sm`: seven day columns do not fit, the agenda does. */
const PHONE = '(max-width: 639px)';

type Place = { storage?: Pick<Storage, 'getItem'> | undefined; isPhone?: boolean };

/** The last view used here; none yet: the agenda on a phone, the week elsewhere. */
export function preferredView(place: Place = browser()): CalendarViewKind {
  let stored: string | null = null;
  try {
    stored = place.storage?.getItem(CALENDAR_VIEW_KEY) ?? null;
  } catch {
    // storage refused (private mode): the default
  }
  if (VIEWS.includes(stored as CalendarViewKind)) return stored as CalendarViewKind;
  return place.isPhone ? 'agenda' : 'week';
}

export function rememberView(
  view: CalendarViewKind,
  storage: Pick<Storage, 'setItem'> | undefined = browser().storage,
) {
  try {
    storage?.setItem(CALENDAR_VIEW_KEY, view);
  } catch {
    // not kept: the next visit starts from the default
  }
}

function browser(): { storage: Storage | undefined; isPhone: boolean } {
  if (typeof window === 'undefined') return { storage: undefined, isPhone: false };
  let storage: Storage | undefined;
  try {
    storage = window.localStorage;
  } catch {
    storage = undefined;
  }
  return { storage, isPhone: window.matchMedia?.(PHONE).matches ?? false };
}
