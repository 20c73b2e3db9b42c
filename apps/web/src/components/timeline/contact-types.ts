/** What counts as being in touch (the hub's reminder engine uses the same list). */
export const CONTACT_TIMELINE_TYPES: ReadonlySet<string> = new Set(['message', 'call', 'note', 'calendar_event']);
