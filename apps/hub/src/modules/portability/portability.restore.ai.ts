import { randomUUID } from 'node:crypto';
import { aiStoredMessageSchema } from '@made-open/shared/ai-api';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import type { Sql } from '../../platform/db/index.ts';

/**
 * The AI assistant's part of a takeout restore: the owner's data classes (per entity type and
 * per contact: what may reach a cloud model) and stored conversations. The classes come back
 * first of all, before anything could be asked of a model: a restore that dropped them would
 * quietly send to the cloud what the owner had kept local.
 */

const dataClass = z.enum(['normal', 'sensitive']);
export const aiTableSchemas = {
  'ai/data_classes.jsonl': z.object({
    entity_type: z.string().regex(/^[a-z][a-z_]{0,39}$/),
    data_class: dataClass,
    cloud_redacted: z.boolean(),
  }),
  'ai/contact_classes.jsonl': z.object({ person_id: z.uuid(), data_class: dataClass, cloud_redacted: z.boolean() }),
  'ai/conversations.jsonl': z.object({
    id: z.uuid(),
    title: z.string().min(1).max(200),
    created_at: z.string(),
    updated_at: z.string(),
  }),
  // Checked against what the conversations API answers, so a restored one always opens.
  'ai/messages.jsonl': aiStoredMessageSchema
    .pick({ role: true, sources: true, citations: true, tools: true, done: true, error: true, sensitive: true })
    .extend({ conversation_id: z.uuid(), content: z.string().max(100_000), created_at: z.string() }),
} as const;
export type AiSection = keyof typeof aiTableSchemas;
type Row<S extends AiSection> = z.infer<(typeof aiTableSchemas)[S]>;

export interface HeldAi {
  dataClasses: Row<'ai/data_classes.jsonl'>[];
  contactClasses: Row<'ai/contact_classes.jsonl'>[];
  conversations: Row<'ai/conversations.jsonl'>[];
  messages: Row<'ai/messages.jsonl'>[];
}

export const emptyHeldAi = (): HeldAi => ({ dataClasses: [], contactClasses: [], conversations: [], messages: [] });

export function holdAi(held: HeldAi, name: AiSection, row: unknown) {
  if (name === 'ai/data_classes.jsonl') held.dataClasses.push(row as Row<typeof name>);
  else if (name === 'ai/contact_classes.jsonl') held.contactClasses.push(row as Row<typeof name>);
  else if (name === 'ai/conversations.jsonl') held.conversations.push(row as Row<typeof name>);
  else held.messages.push(row as Row<'ai/messages.jsonl'>);
}

const rowsAtOnce = 500;

/**
 * Writes what was held, as the owner (RLS). Conversations get new ids (a conversation id is
 * unique on a hub, and the old account may live on this one); their messages follow them.
 * A contact class whose person is not in the restored graph is left out.
 */
export async function restoreAi(
  tx: Sql,
  ownerId: string,
  held: HeldAi,
): Promise<{ dataClasses: number; contactClasses: number; conversations: number; aiMessages: number }> {
  const write = async (sql: string, rows: unknown[]) => {
    let written = 0;
    for (let i = 0; i < rows.length; i += rowsAtOnce) {
      const result = await tx.query(sql, [ownerId, JSON.stringify(rows.slice(i, i + rowsAtOnce))]);
      written += result.rowCount ?? 0;
    }
    return written;
  };
  const dataClasses = await write(
    `INSERT INTO made_open.ai_data_classes (owner_id, entity_type, data_class, cloud_redacted)
     SELECT $1, r.entity_type, r.data_class, r.cloud_redacted
     FROM jsonb_to_recordset($2::jsonb) AS r(entity_type text, data_class text, cloud_redacted boolean)
     ON CONFLICT (owner_id, entity_type) DO UPDATE SET data_class = excluded.data_class, cloud_redacted = excluded.cloud_redacted`,
    held.dataClasses,
  );
  const contactClasses = await write(
    `INSERT INTO made_open.ai_contact_classes (owner_id, person_id, data_class, cloud_redacted)
     SELECT $1, r.person_id, r.data_class, r.cloud_redacted
     FROM jsonb_to_recordset($2::jsonb) AS r(person_id uuid, data_class text, cloud_redacted boolean)
     WHERE EXISTS (SELECT 1 FROM public.entities e WHERE e.id = r.person_id AND e.type = 'person')
     ON CONFLICT (owner_id, person_id) DO NOTHING`,
    held.contactClasses,
  );
  const newIds = new Map(held.conversations.map((c) => [c.id, randomUUID()]));
  const conversations = await write(
    `INSERT INTO made_open.ai_conversations (id, owner_id, title, created_at, updated_at)
     SELECT r.id, $1, r.title, r.created_at, r.updated_at
     FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, title text, created_at timestamptz, updated_at timestamptz)`,
    held.conversations.map((c) => ({ ...c, id: newIds.get(c.id) })),
  );
  const aiMessages = await write(
    `INSERT INTO made_open.ai_messages (id, conversation_id, owner_id, role, content, sources, citations, tools, done, error, sensitive, created_at)
     SELECT r.id, r.conversation_id, $1, r.role, r.content, r.sources, r.citations, r.tools, r.done, r.error, r.sensitive, r.created_at
     FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, conversation_id uuid, role text, content text, sources jsonb, citations jsonb,
       tools jsonb, done jsonb, error jsonb, sensitive boolean, created_at timestamptz)`,
    // A conversation reads its messages by (created_at, id): ids made in the archive's order
    // (uuidv7 is monotonic) keep two messages of the same instant in the order they had.
    held.messages.flatMap((m) =>
      newIds.has(m.conversation_id) ? [{ ...m, id: uuidv7(), conversation_id: newIds.get(m.conversation_id) }] : [],
    ),
  );
  return { dataClasses, contactClasses, conversations, aiMessages };
}
