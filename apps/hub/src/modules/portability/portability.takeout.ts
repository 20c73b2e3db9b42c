import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack, type Pack } from 'tar-stream';
import { uuidv7 } from 'uuidv7';
import type { Database, Sql } from '../../platform/db/index.ts';
import { ConflictError, NotFoundError, UserError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import type { StorageService } from '../storage/index.ts';
import type { Exports } from './portability.exports.ts';
import type { FileStore } from './portability.files.ts';

/**
 * The owner's tables a takeout carries besides the graph, read under their RLS, with the
 * columns that are credentials (or keys to them) left out. Wallet credentials, sessions
 * and refresh tokens are not read at all; the archive's README says so.
 */
export const takeoutTables: { file: string; table: string; omit?: string[]; order: string }[] = [
  { file: 'rules/rules.jsonl', table: 'made_open.rules', order: 'id' },
  { file: 'rules/rule_versions.jsonl', table: 'made_open.rule_versions', order: 'rule_id, version' },
  { file: 'plugins/installations.jsonl', table: 'made_open.plugin_installations', order: 'plugin_id' },
  { file: 'plugins/storage.jsonl', table: 'made_open.plugin_storage', order: '1' },
  { file: 'grants.jsonl', table: 'made_open.grants', order: '1' },
  { file: 'settings/account.jsonl', table: 'made_open.account_settings', order: '1' },
  { file: 'devices/devices.jsonl', table: 'made_open.devices', omit: ['token_hash'], order: 'created_at' },
  { file: 'devices/event_summaries.jsonl', table: 'made_open.device_event_stats', order: 'device_id, type' },
  { file: 'files/buckets.jsonl', table: 'made_open.storage_buckets', order: 'id' },
  { file: 'files/objects.jsonl', table: 'made_open.storage_objects', omit: ['blob_key'], order: 'bucket_id, name' },
  { file: 'devices/app_usage_days.jsonl', table: 'made_open.device_app_usage_days', order: '1' },
  { file: 'ai/data_classes.jsonl', table: 'made_open.ai_data_classes', order: 'entity_type' },
  { file: 'ai/contact_classes.jsonl', table: 'made_open.ai_contact_classes', order: 'person_id' },
  { file: 'ai/conversations.jsonl', table: 'made_open.ai_conversations', order: 'created_at, id' },
  { file: 'ai/messages.jsonl', table: 'made_open.ai_messages', order: 'conversation_id, created_at, id' },
  { file: 'ai/egress.jsonl', table: 'made_open.ai_egress', order: 'at, id' },
];

const readme = `Made Open takeout
=================

Everything this hub keeps for your account, as of the time in manifest.json:

- graph/entities.jsonl, graph/links.jsonl, graph/identifiers.jsonl: your graph, one JSON
  object a line (persons, messages, calls, events, notes, files ... with their ids,
  provenance and versions; deleted ones included with deletedAt). Restore this archive
  (graph, rules, plugins and files) into a fresh account: POST /api/v1/takeouts/restore.
- contacts.vcf (vCard 4.0), calendar.ics (iCalendar), messages.mbox (mboxrd): the same data
  in formats other programs read.
- files/: every object in your storage buckets (files/<bucket>/<name>), and their metadata.
- rules/ (rules and every version), plugins/ (installations, their settings and grants),
  grants.jsonl, settings/, devices/ (paired devices, per-type event summaries, daily app
  usage), ai/ (your AI data classes, conversations with the assistant, and the egress audit
  of what was sent to cloud models).

NOT included, on purpose: credentials. API keys, OAuth tokens, app and device tokens,
passwords and session tokens stay in the hub (wallet and auth tables are not read; device
token hashes and storage blob keys are left out of the rows above). After a restore,
connect your accounts and pair your devices again.
`;

const sections = ['graph/entities.jsonl', 'graph/links.jsonl', 'graph/identifiers.jsonl'] as const;
const graphQueries: Record<(typeof sections)[number], string> = {
  'graph/entities.jsonl': `SELECT json_build_object('id', id, 'type', type, 'title', title, 'body', body, 'properties', properties,
      'source', source, 'externalId', external_id, 'occurredAt', occurred_at, 'createdAt', created_at, 'updatedAt', updated_at,
      'deletedAt', deleted_at, 'version', version, 'mergedIntoId', merged_into_id)::text AS line
    FROM public.entities WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`,
  'graph/links.jsonl': `SELECT json_build_object('id', id, 'kind', kind, 'fromId', from_id, 'toId', to_id, 'createdAt', created_at)::text AS line
    FROM public.entity_links WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`,
  'graph/identifiers.jsonl': `SELECT json_build_object('id', id, 'kind', kind, 'value', value, 'entityId', entity_id, 'createdAt', created_at)::text AS line
    FROM public.identifiers WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`,
};

export interface TakeoutDeps {
  db: Database;
  logger: Logger;
  files: FileStore;
  exports: Exports;
  storage: Pick<StorageService, 'download'>;
  enqueue: (tx: Sql, payload: { takeoutId: string; ownerId: string }) => Promise<void>;
}

export type TakeoutRow = {
  id: string;
  status: 'queued' | 'running' | 'ready' | 'downloaded' | 'failed';
  progress: { done: number; total: number };
  byteSize: number | null;
  manifest: Record<string, unknown> | null;
  error: string | null;
  createdAt: string;
  readyAt: string | null;
  downloadedAt: string | null;
};
const iso = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const columns = `id, status, json_build_object('done', progress_done, 'total', progress_total) AS progress,
  byte_size::float8 AS "byteSize", manifest, error, ${iso('created_at')} AS "createdAt", ${iso('ready_at')} AS "readyAt",
  ${iso('downloaded_at')} AS "downloadedAt"`;
const takeoutFile = (id: string) => `takeout-${id}`;

/** Adds a file on disk to the archive as one entry, streamed. */
async function addFile(pack: Pack, name: string, path: string) {
  const { size } = await stat(path);
  const entry = pack.entry({ name, size });
  await pipeline(createReadStream(path), entry);
}

/** Writes an async source of strings to a temporary file (sizes must be known for tar headers). */
async function spool(path: string, source: AsyncIterable<string>): Promise<number> {
  let lines = 0;
  const out = createWriteStream(path);
  await pipeline(
    (async function* () {
      for await (const chunk of source) {
        lines += 1;
        yield chunk;
      }
    })(),
    out,
  );
  return lines;
}

export function createTakeouts(deps: TakeoutDeps) {
  const { db, files } = deps;
  const asUser = <T>(user: AuthenticatedUser, work: (tx: Sql) => Promise<T>) => db.asUser(user.claims, work);
  const get = async (tx: Sql, id: string, lock = false) =>
    (
      await tx.query<TakeoutRow>(
        `SELECT ${columns} FROM made_open.portability_takeouts WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
        [id],
      )
    ).rows[0] ?? null;

  async function* graphLines(
    user: AuthenticatedUser,
    section: (typeof sections)[number],
    onPage: (n: number) => Promise<void>,
  ) {
    let after: string | null = null;
    for (;;) {
      const { rows }: { rows: { line: string }[] } = await db.queryAsUser<{ line: string }>(
        user.claims,
        graphQueries[section],
        [after, 1000],
      );
      for (const row of rows) yield row.line + '\n';
      await onPage(rows.length);
      if (rows.length < 1000) return;
      after = (JSON.parse(rows[rows.length - 1]!.line) as { id: string }).id;
    }
  }

  async function* tableLines(user: AuthenticatedUser, t: (typeof takeoutTables)[number]) {
    const { rows } = await db.queryAsUser<{ line: string }>(
      user.claims,
      `SELECT (to_jsonb(t) - $1::text[])::text AS line FROM ${t.table} t ORDER BY ${t.order}`,
      [t.omit ?? []],
    );
    for (const row of rows) yield row.line + '\n';
  }

  return {
    async create(user: AuthenticatedUser): Promise<TakeoutRow> {
      const id = uuidv7();
      return asUser(user, async (tx) => {
        const { rows } = await tx.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM made_open.portability_takeouts WHERE status IN ('queued', 'running')`,
        );
        if (rows[0]!.n > 0)
          throw new ConflictError('A takeout is being made already: wait for it to finish.', 'takeout_running');
        const { rows: counts } = await tx.query<{ n: number }>(
          `SELECT ((SELECT count(*) FROM public.entities) + (SELECT count(*) FROM public.entity_links) + (SELECT count(*) FROM public.identifiers))::int AS n`,
        );
        await tx.query(
          `INSERT INTO made_open.portability_takeouts (id, owner_id, status, progress_total) VALUES ($1, $2, 'queued', $3)`,
          [id, user.id, counts[0]!.n],
        );
        await deps.enqueue(tx, { takeoutId: id, ownerId: user.id });
        return (await get(tx, id))!;
      });
    },

    async get(user: AuthenticatedUser, id: string): Promise<TakeoutRow> {
      const row = await asUser(user, (tx) => get(tx, id));
      if (!row) throw new NotFoundError('takeout');
      return row;
    },

    list: (user: AuthenticatedUser) =>
      asUser(
        user,
        async (tx) =>
          (
            await tx.query<TakeoutRow>(
              `SELECT ${columns} FROM made_open.portability_takeouts ORDER BY created_at DESC LIMIT 20`,
            )
          ).rows,
      ),

    /** The job: graph pages, renderings, tables and files into one tar.gz, spooled through a temp dir. */
    async run(takeoutId: string, ownerId: string) {
      const user: AuthenticatedUser = { id: ownerId, claims: { role: 'authenticated', sub: ownerId } };
      const row = await asUser(user, async (tx) => {
        const found = await get(tx, takeoutId, true);
        if (found && (found.status === 'queued' || found.status === 'running'))
          await tx.query(
            `UPDATE made_open.portability_takeouts SET status = 'running', progress_done = 0, updated_at = now() WHERE id = $1`,
            [takeoutId],
          );
        return found;
      });
      if (!row || (row.status !== 'queued' && row.status !== 'running')) return;
      const scratch = await mkdtemp(join(tmpdir(), 'made-open-takeout-'));
      let done = 0;
      const progress = async (n: number) => {
        done += n;
        await asUser(user, (tx) =>
          tx.query(`UPDATE made_open.portability_takeouts SET progress_done = $2, updated_at = now() WHERE id = $1`, [
            takeoutId,
            done,
          ]),
        );
      };
      try {
        const manifest: Record<string, unknown> = {
          format: 'made-open-takeout',
          version: 1,
          createdAt: new Date().toISOString(),
          counts: {} as Record<string, number>,
        };
        const counts = manifest.counts as Record<string, number>;
        const spooled: { name: string; path: string }[] = [];
        const add = async (name: string, source: AsyncIterable<string>) => {
          const path = join(scratch, String(spooled.length));
          counts[name] = await spool(path, source);
          spooled.push({ name, path });
        };
        for (const section of sections) await add(section, graphLines(user, section, progress));
        await add('contacts.vcf', await deps.exports.contacts(user, null));
        await add('calendar.ics', deps.exports.events(user));
        await add('messages.mbox', deps.exports.messages(user));
        for (const t of takeoutTables) await add(t.file, tableLines(user, t));
        const objects = (
          await db.queryAsUser<{ bucket: string; name: string }>(
            user.claims,
            `SELECT bucket_id AS bucket, name FROM made_open.storage_objects ORDER BY bucket_id, name`,
          )
        ).rows;
        counts.files = objects.length;

        await mkdir(files.pathOf(ownerId, ''), { recursive: true });
        const target = files.pathOf(ownerId, takeoutFile(takeoutId));
        const pack = tarPack();
        const written = pipeline(pack, createGzip({ level: 6 }), createWriteStream(target));
        const text = (name: string, body: string) => pack.entry({ name }, body);
        text('README.txt', readme);
        text('manifest.json', JSON.stringify(manifest, null, 2));
        for (const s of spooled) await addFile(pack, s.name, s.path);
        for (const o of objects) {
          const content = await deps.storage.download(user, o.bucket, o.name, undefined);
          const entry = pack.entry({ name: `files/${o.bucket}/${o.name}`, size: Number(content.object.size) });
          await pipeline(content.body, entry);
        }
        pack.finalize();
        await written;
        const { size } = await stat(target);
        await asUser(user, (tx) =>
          tx.query(
            `UPDATE made_open.portability_takeouts SET status = 'ready', byte_size = $2, manifest = $3, ready_at = now(), updated_at = now() WHERE id = $1`,
            [takeoutId, size, JSON.stringify(manifest)],
          ),
        );
      } catch (error) {
        await files.remove(ownerId, takeoutFile(takeoutId));
        await asUser(user, (tx) =>
          tx.query(
            `UPDATE made_open.portability_takeouts SET status = 'failed', error = $2, updated_at = now() WHERE id = $1`,
            [takeoutId, (error as Error).message.slice(0, 1000)],
          ),
        );
        throw error;
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },

    /** The archive, once: marked downloaded in the same step; the file is deleted after it is sent. */
    async download(user: AuthenticatedUser, id: string) {
      const row = await asUser(user, async (tx) => {
        const found = await get(tx, id, true);
        if (!found) throw new NotFoundError('takeout');
        if (found.status === 'downloaded')
          throw new UserError(410, 'already_downloaded', 'This takeout was downloaded already: make a new one.');
        if (found.status !== 'ready')
          throw new ConflictError(`This takeout is ${found.status}: download it once it is ready.`, 'not_ready');
        await tx.query(
          `UPDATE made_open.portability_takeouts SET status = 'downloaded', downloaded_at = now(), updated_at = now() WHERE id = $1`,
          [id],
        );
        return found;
      });
      const stream = files.open(user.id, takeoutFile(id));
      stream.on('close', () => void files.remove(user.id, takeoutFile(id)));
      return { row, stream };
    },
  };
}
export type Takeouts = ReturnType<typeof createTakeouts>;
