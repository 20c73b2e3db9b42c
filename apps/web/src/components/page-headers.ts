/**
 * Page titles and descriptions, shared by each page and its loading state: the loading state
 * shows the real header at once, so the first paint already holds the page's largest text
 * (and the header does not move when the content arrives).
 */
export const CONTACTS_HEADER = {
  title: 'Contacts',
  description: 'Everyone you keep in touch with, linked to their messages, calls and notes.',
} as const;

export const NOTES_HEADER = {
  title: 'Notes',
  description: 'Private notes in your graph, searchable alongside everything else.',
} as const;

export const CALLS_HEADER = {
  title: 'Calls',
  description: 'Call anyone from your own Twilio number, and every call and voicemail in one place.',
} as const;

export const HOME_HEADER = {
  title: 'Today',
  description: 'Birthdays, people to get back in touch with, and the latest from everyone.',
} as const;

export const CALENDAR_HEADER = {
  title: 'Calendar',
  description: 'Your events and invitations, from this hub and your connected calendars, in your time zone.',
};

export const AI_HEADER = {
  title: 'Ask',
  description:
    'Questions about your own messages, notes, calls and contacts, answered with numbered sources. Sensitive data is only read by a model on your own machine.',
} as const;

export const DEVICES_HEADER = {
  title: 'Devices',
  description:
    'Pair your phone and computers, see whether they are still recording, and decide how long their data is kept.',
} as const;

export const RULES_HEADER = {
  title: 'Rules',
  description:
    'Automations for your messages, calls and places: a trigger, conditions and steps. Try one on your recent history before you turn it on.',
} as const;
