/**
 * A person a connector made for an address it met (a mail's sender, a texter, a caller) rather
 * than the source's own record of them: its external id is `email:`/`phone:` (ingest's keys for
 * made persons) or `person:` (the Twilio connector's, for unknown numbers). Such a person may
 * become an Outlook contact (Save to Outlook, or a synced contact adopting it), and the entity
 * view says `origin: "address"` for it (graph migration 0009 holds the same pattern).
 */
export const MADE_PERSON_KEY = '^(email|phone|person):';

export const isMadePersonKey = (externalId: string | null | undefined) =>
  new RegExp(MADE_PERSON_KEY).test(externalId ?? '');
