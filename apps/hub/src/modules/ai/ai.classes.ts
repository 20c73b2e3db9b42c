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
