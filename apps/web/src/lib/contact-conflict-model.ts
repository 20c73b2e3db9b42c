import { z } from 'zod';

/**
 * A contact the hub could not write to Outlook (the hub's `write_conflicts`, `capability:
 * contacts`): nothing was overwritten on either side until the owner chooses. Because Outlook
 * changed it since the hub last saw it: `deleted`: deleted here (the person stays deleted);
 * `edited`: edited here (the hub shows the edit, Outlook keeps its own); `gone`: edited here
 * after Outlook deleted the contact (the hub's `remote.deleted`: Outlook has no copy, so the
 * edit was saved nowhere there, and the sync may delete the person here meanwhile). Or
 * `refused`: edited here, and Outlook refused the edit for good (the hub's `remote.refused`: a
 * permission the app registration lacks, the credential gone; the hub's message says which);
 * `refused-deletion`: deleted here, and Outlook refused the deletion for good (it keeps the contact).
 */
export interface ContactConflict {
  id: string;
  kind: 'deleted' | 'edited' | 'gone' | 'refused' | 'refused-deletion';
  personId: string;
  /** The name Outlook's newer copy has (for `gone` and the refused kinds, the person's name here). */
  name: string;
  createdAt: string;
  /**
   * For an edit: each field the two sides hold differently (none for `gone`: Outlook has
   * nothing to compare; none for `refused`: the conflict holds no copy of Outlook's).
   */
  differences: { field: string; here: string; outlook: string }[];
  /** For the refused kinds: why Outlook refused, in the hub's words for the owner. */
  reason?: string;
}

const ConflictSchema = z
  .object({
    id: z.string(),
    entityId: z.string(),
    capability: z.string(),
    local: z.record(z.string(), z.unknown()),
    remote: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    message: z.unknown().optional(),
  })
  .passthrough();
export const ConflictListSchema = z.object({ conflicts: z.array(z.unknown()) });

/**
 * The query for the owner's open conflicts: every contact's (the /contacts page, up to the
 * hub's 200), or one person's (the contact page asks the hub for that person's only).
 */
export function contactConflictsQuery(personId?: string): Record<string, string | number> {
  return personId === undefined ? { limit: 200 } : { entityId: personId, limit: 50 };
}

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
const list = (value: unknown) =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : [];

/** The hub's contact fields (what an edit writes) beside Outlook's copy (an ingest item), as people read them. */
const fields: {
  label: string;
  here: (l: Record<string, unknown>) => string;
  outlook: (r: Record<string, unknown>, p: Record<string, unknown>) => string;
}[] = [
  { label: 'Name', here: (l) => text(l.displayName), outlook: (r) => text(r.title) },
  { label: 'First name', here: (l) => text(l.givenName), outlook: (_r, p) => text(p.givenName) },
  { label: 'Last name', here: (l) => text(l.familyName), outlook: (_r, p) => text(p.familyName) },
  {
    label: 'Email',
    here: (l) =>
      list(l.emails)
        .map((e) => e.toLowerCase())
        .sort()
        .join(', '),
    outlook: (r, p) =>
      list(r.emails ?? p.emails)
        .map((e) => e.toLowerCase())
        .sort()
        .join(', '),
  },
  { label: 'Phone', here: (l) => list(l.phones).join(', '), outlook: (_r, p) => list(p.phones).join(', ') },
  { label: 'Company', here: (l) => text(l.company), outlook: (_r, p) => text(p.organization) },
  { label: 'Job title', here: (l) => text(l.jobTitle), outlook: (_r, p) => text(p.jobTitle) },
  { label: 'Birthday', here: (l) => text(l.birthday), outlook: (_r, p) => text(p.birthday).slice(0, 10) },
  { label: 'Notes', here: (l) => text(l.notes), outlook: (_r, p) => text(p.notes) },
];

/** One of the hub's conflicts as the contacts screens show it, or null when it is not a contact's. */
export function contactConflictOf(raw: unknown): ContactConflict | null {
  const parsed = ConflictSchema.safeParse(raw);
  if (!parsed.success || parsed.data.capability !== 'contacts') return null;
  const { id, entityId, local, remote, createdAt, message } = parsed.data;
  const name = text(remote.title) || 'A contact';
  // Refused, not out of date: there is no copy of Outlook's to compare, only the reason.
  if (remote.refused === true) {
    const kind = local.deleted === true ? 'refused-deletion' : 'refused';
    const reason = text(message) || 'Outlook did not say why.';
    return { id, kind, personId: entityId, name, createdAt, differences: [], reason };
  }
  if (local.deleted === true) return { id, kind: 'deleted', personId: entityId, name, createdAt, differences: [] };
  if (remote.deleted === true) return { id, kind: 'gone', personId: entityId, name, createdAt, differences: [] };
  const here = (local.fields ?? {}) as Record<string, unknown>;
  const properties = (remote.properties ?? {}) as Record<string, unknown>;
  const differences = fields.flatMap((f) => {
    const [mine, theirs] = [f.here(here), f.outlook(remote, properties)];
    return mine === theirs ? [] : [{ field: f.label, here: mine, outlook: theirs }];
  });
  return { id, kind: 'edited', personId: entityId, name, createdAt, differences };
}

/**
 * What settling a conflict found in Outlook, from the hub's answer: `gone` (Outlook deleted the
 * contact meanwhile, so there was no copy to keep), `recreated` (the owner's edit went there as
 * a new contact for the same reason), or `as-chosen`.
 */
export type ConflictOutcome = 'gone' | 'recreated' | 'as-chosen';

const ResolvedSchema = z.object({
  result: z.object({ outlook: z.enum(['gone', 'recreated']).optional() }).passthrough(),
});

export function conflictOutcomeOf(raw: unknown): ConflictOutcome {
  const parsed = ResolvedSchema.safeParse(raw);
  return parsed.success ? (parsed.data.result.outlook ?? 'as-chosen') : 'as-chosen';
}
