import { z } from 'zod';

/** Mail folders every connection syncs (Graph's well-known names). */
export const defaultMailFolders = ['inbox', 'sentitems', 'archive'] as const;

/**
 * Graph's well-known mail folder names (mailFolder resource). Graph takes them in any case;
 * a folder id is case-sensitive (base64), so only these are lowercased.
 */
export const wellKnownMailFolders: ReadonlySet<string> = new Set([
  'archive',
  'clutter',
  'conflicts',
  'conversationhistory',
  'deleteditems',
  'drafts',
  'inbox',
  'junkemail',
  'localfailures',
  'msgfolderroot',
  'outbox',
  'recoverableitemsdeletions',
  'scheduled',
  'searchfolders',
  'sentitems',
  'serverfailures',
  'syncissues',
]);

/** A folder as the connection names its resource: a well-known name lowercased, an id as given. */
export const folderKey = (folder: string) =>
  wellKnownMailFolders.has(folder.toLowerCase()) ? folder.toLowerCase() : folder;

/** A connection's options (Settings → Connections → Microsoft 365). */
export const msgraphOptionsSchema = z.strictObject({
  /** More mail folders to sync, by Graph folder id or well-known name (drafts, junkemail ...). */
  folders: z
    .array(
      z
        .string()
        .trim()
        .min(1)
        .max(300)
        .regex(/^[A-Za-z0-9=_\-+/.]+$/, 'A folder id or well-known name (letters, digits, = _ - + / .).'),
    )
    .max(20, 'At most 20 extra folders.')
    .default([]),
  /** The calendar window synced through calendarView delta: this many days back and ahead. */
  calendarPastDays: z.number().int().min(0).max(3650).default(30),
  calendarFutureDays: z.number().int().min(1).max(3650).default(365),
  /** Delta polling when there are no change notifications: every this many minutes. */
  pollMinutes: z.number().int().min(1).max(1440).default(2),
  /** Work or school account: also ask for Presence.Read (Teams presence). */
  workAccount: z.boolean().default(false),
});
export type MsgraphOptions = z.output<typeof msgraphOptionsSchema>;

/** The scopes a sign-in asks for (integrations.md §2.1); presence only for work accounts. */
export function scopesFor(options: Pick<MsgraphOptions, 'workAccount'>): string {
  const scopes = [
    'offline_access',
    'User.Read',
    'Mail.ReadWrite',
    'Mail.Send',
    'Calendars.ReadWrite',
    'Contacts.ReadWrite',
  ];
  // Colleagues' presence (getPresencesByUserId) needs Presence.Read.All, finding them by
  // email User.ReadBasic.All; neither needs an administrator's consent.
  if (options.workAccount) scopes.push('Presence.Read', 'Presence.Read.All', 'User.ReadBasic.All');
  return scopes.join(' ');
}

/**
 * The calendar window the sync holds (calendarView delta's start and end): from
 * calendarPastDays before today (UTC) to the end of calendarFutureDays after it. `key` names
 * the setting, so a changed window starts a new round.
 */
export function calendarWindowOf(options: Pick<MsgraphOptions, 'calendarPastDays' | 'calendarFutureDays'>) {
  const day = 86_400_000;
  const today = Math.floor(Date.now() / day) * day;
  return {
    key: `${options.calendarPastDays}/${options.calendarFutureDays}`,
    start: new Date(today - options.calendarPastDays * day).toISOString(),
    end: new Date(today + (options.calendarFutureDays + 1) * day).toISOString(),
  };
}
