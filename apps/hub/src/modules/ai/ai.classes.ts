import { entityTypes, type EntityType } from '@made-open/shared';
import type { Database, Sql } from '../../platform/db/index.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';

/**
 * Data classes (issue 15 §2). `sensitive`: the text goes only to a local model. Without one,
 * a redacted version (PII replaced by placeholders) may go to the cloud only where
 * `cloudRedacted` is on. `normal`: may go to the cloud; PII found in it still makes that
 * passage sensitive, and `cloudRedacted` then decides the same way.
 */
export type DataClass = 'normal' | 'sensitive';

export interface ClassRule {
  dataClass: DataClass;
  cloudRedacted: boolean;
}

export interface ClassSetting extends ClassRule {
  entityType: EntityType;
  /** True when the owner has not changed this type. */
  isDefault: boolean;
}

/** Message bodies, calls (recordings, transcripts) and places (location) are sensitive by default. */
export const defaultClasses: Readonly<Record<EntityType, ClassRule>> = {
  message: { dataClass: 'sensitive', cloudRedacted: false },
  call: { dataClass: 'sensitive', cloudRedacted: false },
  place: { dataClass: 'sensitive', cloudRedacted: false },
  person: { dataClass: 'normal', cloudRedacted: true },
  organization: { dataClass: 'normal', cloudRedacted: true },
  note: { dataClass: 'normal', cloudRedacted: true },
  calendar_event: { dataClass: 'normal', cloudRedacted: true },
  file: { dataClass: 'normal', cloudRedacted: true },
  task: { dataClass: 'normal', cloudRedacted: true },
};

/** The question the person typed: normal, its PII redacted for the cloud. */
export const questionRule: ClassRule = { dataClass: 'normal', cloudRedacted: true };

interface ClassRow {
  entity_type: EntityType;
  data_class: DataClass;
  cloud_redacted: boolean;
}

export function createClassesService(db: Database) {
  async function rowsOf(tx: Sql) {
    const { rows } = await tx.query<ClassRow & Record<string, unknown>>(
      'SELECT entity_type, data_class, cloud_redacted FROM made_open.ai_data_classes',
    );
    return new Map(rows.map((r) => [r.entity_type, r]));
  }

  function settingsOf(rows: Map<EntityType, ClassRow>): ClassSetting[] {
    return entityTypes.map((entityType) => {
      const row = rows.get(entityType);
      return row
        ? { entityType, dataClass: row.data_class, cloudRedacted: row.cloud_redacted, isDefault: false }
        : { entityType, ...defaultClasses[entityType], isDefault: true };
    });
  }

  return {
    async list(user: AuthenticatedUser): Promise<ClassSetting[]> {
      return settingsOf(await db.asUser(user.claims, rowsOf));
    },

    /** The rule per type, for routing one request. */
    async rules(user: AuthenticatedUser): Promise<Map<string, ClassRule>> {
      return new Map((await this.list(user)).map((s) => [s.entityType, s]));
    },

    /** Sets one type's class; `null` returns it to the default. */
    async set(user: AuthenticatedUser, entityType: EntityType, rule: ClassRule | null): Promise<ClassSetting[]> {
      return db.asUser(user.claims, async (tx) => {
        if (rule === null) await tx.query('DELETE FROM made_open.ai_data_classes WHERE entity_type = $1', [entityType]);
        else
          await tx.query(
            `INSERT INTO made_open.ai_data_classes (owner_id, entity_type, data_class, cloud_redacted)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (owner_id, entity_type) DO UPDATE
               SET data_class = EXCLUDED.data_class, cloud_redacted = EXCLUDED.cloud_redacted, updated_at = now()`,
            [user.id, entityType, rule.dataClass, rule.cloudRedacted],
          );
        return settingsOf(await rowsOf(tx));
      });
    },
  };
}

export type ClassesService = ReturnType<typeof createClassesService>;

export interface ContactClass extends ClassRule {
  personId: string;
  name: string;
}

/** The stricter of two rules: sensitive over normal, no cloud copy over a redacted one. */
export function stricter(a: ClassRule, b: ClassRule): ClassRule {
  return {
    dataClass: a.dataClass === 'sensitive' || b.dataClass === 'sensitive' ? 'sensitive' : 'normal',
    cloudRedacted: a.cloudRedacted && b.cloudRedacted,
  };
}

/**
 * Per-contact classes (`made_open.ai_contact_classes`): a contact's rule replaces the type's
 * for the person and everything linked to them; several such contacts: the stricter rule.
 */
export function createContactClassesService(db: Database) {
  const list = async (tx: Sql): Promise<ContactClass[]> => {
    const { rows } = await tx.query<{
      person_id: string;
      title: string;
      data_class: DataClass;
      cloud_redacted: boolean;
    }>(
      `SELECT c.person_id, e.title, c.data_class, c.cloud_redacted
         FROM made_open.ai_contact_classes c JOIN public.entities e ON e.id = c.person_id
        WHERE e.deleted_at IS NULL ORDER BY e.title, c.person_id`,
    );
    return rows.map((r) => ({
      personId: r.person_id,
      name: r.title,
      dataClass: r.data_class,
      cloudRedacted: r.cloud_redacted,
    }));
  };

  return {
    list: (user: AuthenticatedUser) => db.asUser(user.claims, list),

    /** Sets (or with null removes) one contact's rule; undefined when there is no such contact of this user. */
    async set(user: AuthenticatedUser, personId: string, rule: ClassRule | null): Promise<ContactClass[] | undefined> {
      return db.asUser(user.claims, async (tx) => {
        const person = await tx.query(
          "SELECT 1 FROM public.entities WHERE id = $1 AND type = 'person' AND deleted_at IS NULL",
          [personId],
        );
        if (person.rowCount === 0) return undefined;
        if (rule === null) await tx.query('DELETE FROM made_open.ai_contact_classes WHERE person_id = $1', [personId]);
        else
          await tx.query(
            `INSERT INTO made_open.ai_contact_classes (owner_id, person_id, data_class, cloud_redacted)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (owner_id, person_id) DO UPDATE
               SET data_class = EXCLUDED.data_class, cloud_redacted = EXCLUDED.cloud_redacted, updated_at = now()`,
            [user.id, personId, rule.dataClass, rule.cloudRedacted],
          );
        return list(tx);
      });
    },

    /** Per entity id: the rule of the contacts it is (or is linked to), where any has one. */
    async rulesFor(user: AuthenticatedUser, entityIds: readonly string[]): Promise<Map<string, ClassRule>> {
      if (entityIds.length === 0) return new Map();
      const { rows } = await db.queryAsUser<{ entity_id: string; data_class: DataClass; cloud_redacted: boolean }>(
        user.claims,
        `WITH ids AS (SELECT unnest($1::uuid[]) AS id),
              related AS (
                SELECT ids.id AS entity_id, ids.id AS person_id FROM ids
                UNION SELECT l.from_id, l.to_id FROM public.entity_links l JOIN ids ON l.from_id = ids.id
                UNION SELECT l.to_id, l.from_id FROM public.entity_links l JOIN ids ON l.to_id = ids.id)
         SELECT r.entity_id, c.data_class, c.cloud_redacted
           FROM related r JOIN made_open.ai_contact_classes c ON c.person_id = r.person_id`,
        [entityIds],
      );
      const rules = new Map<string, ClassRule>();
      for (const row of rows) {
        const rule: ClassRule = { dataClass: row.data_class, cloudRedacted: row.cloud_redacted };
        const known = rules.get(row.entity_id);
        rules.set(row.entity_id, known ? stricter(known, rule) : rule);
      }
      return rules;
    },
  };
}

export type ContactClassesService = ReturnType<typeof createContactClassesService>;
