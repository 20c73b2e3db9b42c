import { z } from 'zod';
import { defineEvent } from './events.ts';
import { providerIdPattern } from './providers/registry.ts';

/** Teams availability (Graph's presence resource, integrations.md §2.5); anything else is PresenceUnknown. */
export const presenceAvailabilities = [
  'Available',
  'AvailableIdle',
  'Away',
  'BeRightBack',
  'Busy',
  'BusyIdle',
  'DoNotDisturb',
  'Offline',
  'PresenceUnknown',
] as const;
export type PresenceAvailability = (typeof presenceAvailabilities)[number];

const presenceState = z.object({
  availability: z.enum(presenceAvailabilities),
  /** Graph's activity (InAMeeting, InACall, Presenting, ...): a word, kept as given. */
  activity: z.string().regex(/^[A-Za-z]{1,50}$/),
});

/**
 * A person's presence changed (stream platform-events, subject the person's id, or the
 * connection's id for the account's own). Emitted only on a change, never per poll; rules
 * react to it. `personId` null: the signed-in account itself.
 */
export const presenceChanged = defineEvent(
  'presence.Changed',
  1,
  presenceState.extend({
    connectionId: z.string().uuid(),
    provider: z.string().regex(providerIdPattern),
    personId: z.string().uuid().nullable(),
    self: z.boolean(),
    previous: presenceState.nullable(),
  }),
);

export const presenceEvents = [presenceChanged] as const;

/** How a presence reads, for people and screen readers (never colour alone), and its dot's tone. */
export function presenceLabel(presence: { availability: string; activity: string }): {
  label: string;
  tone: 'available' | 'busy' | 'away' | 'offline';
} {
  const { availability, activity } = presence;
  if (availability === 'Offline' || activity === 'OffWork') return { label: 'Offline', tone: 'offline' };
  if (activity === 'InAMeeting' || activity === 'InAConferenceCall') return { label: 'In a meeting', tone: 'busy' };
  if (activity === 'InACall') return { label: 'In a call', tone: 'busy' };
  if (activity === 'Presenting') return { label: 'Presenting', tone: 'busy' };
  if (activity === 'OutOfOffice') return { label: 'Out of office', tone: 'away' };
  switch (availability) {
    case 'Available':
    case 'AvailableIdle':
      return { label: 'Available', tone: 'available' };
    case 'Busy':
    case 'BusyIdle':
      return { label: 'Busy', tone: 'busy' };
    case 'DoNotDisturb':
      return { label: 'Do not disturb', tone: 'busy' };
    case 'Away':
      return { label: 'Away', tone: 'away' };
    case 'BeRightBack':
      return { label: 'Be right back', tone: 'away' };
    default:
      return { label: 'Unknown', tone: 'offline' };
  }
}
