import { normalizeEmail, normalizePhone, type CountryCode } from '@made-open/shared';
import type { Readable } from 'node:stream';
import { uuidv7 } from 'uuidv7';
import type { Database, Sql } from '../../platform/db/index.ts';
import { ConflictError, NotFoundError, UserError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import type { GraphService, Ingest, IngestItem, RemoveExternal } from '../graph/index.ts';
import { csvFields, suggestCsvMapping, type CsvField } from './formats/index.ts';
import type { FileStore } from './portability.files.ts';
import {
  contactItem,
  createExternalIds,
  eventItem,
  identifiersOf,
  importSource,
  messageItem,
} from './portability.items.ts';
import { importsRepository as repo, type DuplicatesChoice, type ImportRow } from './portability.repository.ts';
import { readRecords, type ImportKind, type ImportRecord } from './portability.records.ts';

const listed = 100;
const batchSize = 250;

export interface Preview {
  counts: { contacts: number; events: number; messages: number; errors: number; warnings: number };
  /** Contacts whose phone or email an existing person has: suggested as merges. */
  duplicates: { line: number; name: string; personId: string; personName: string; reasons: string[] }[];
  duplicatesTotal: number;
  errors: { line: number; message: string }[];
  warnings: { line: number; message: string }[];
  csv?: { header: string[]; preset: string; mapping: CsvField[] };
}

export interface ImportsDeps {
  db: Database;
  logger: Logger;
  files: FileStore;
  ingest: Ingest;
  removeExternal: RemoveExternal;
  /** The graph's journalled merge and its undo: duplicates merged on import, and undone with it. */
  merges: Pick<GraphService, 'mergePersons' | 'undoMerge'>;
  defaultRegionOf?: (tx: Sql, userId: string) => Promise<CountryCode | undefined>;
  /** Stores a contact's embedded photo in the owner's contact-photos bucket; returns where. */
  storePhoto: (
    user: AuthenticatedUser,
    name: string,
    photo: { contentType: string; data: Buffer },
  ) => Promise<{ bucket: string; path: string } | null>;
  enqueue: (tx: Sql, payload: { importId: string; ownerId: string }) => Promise<void>;
  maxUploadBytes: number;
}

const userOf = (ownerId: string): AuthenticatedUser => ({
  id: ownerId,
  claims: { role: 'authenticated', sub: ownerId },
});

export function createImports(deps: ImportsDeps) {
  const { db, files } = deps;
  const asUser = <T>(user: AuthenticatedUser, work: (tx: Sql) => Promise<T>) => db.asUser(user.claims, work);
  const region = (user: AuthenticatedUser) =>
    asUser(user, (tx) => deps.defaultRegionOf?.(tx, user.id) ?? Promise.resolve(undefined));

  /** Reads the whole file once (streamed): counts, line-numbered problems and duplicates. */
  async function preview(
    user: AuthenticatedUser,
    id: string,
    kind: ImportKind,
    mapping: CsvField[] | null,
  ): Promise<Preview> {
    const defaultCountry = await region(user);
    const out: Preview = {
      counts: { contacts: 0, events: 0, messages: 0, errors: 0, warnings: 0 },
      duplicates: [],
      duplicatesTotal: 0,
      errors: [],
      warnings: [],
    };
    let pending: { line: number; name: string; pairs: { kind: string; value: string }[] }[] = [];
    const flush = async () => {
      const pairs = pending.flatMap((p) => p.pairs);
      const found = await asUser(user, (tx) => repo.personsWith(tx, pairs));
      const byKey = new Map(found.map((f) => [`${f.kind}:${f.value}`, f]));
      for (const contact of pending) {
        const hits = contact.pairs.flatMap((p) => byKey.get(`${p.kind}:${p.value}`) ?? []);
        if (hits.length === 0) continue;
        out.duplicatesTotal += 1;
        if (out.duplicates.length < listed)
          out.duplicates.push({
            line: contact.line,
            name: contact.name,
            personId: hits[0]!.personId,
            personName: hits[0]!.name,
            reasons: [...new Set(hits.map((h) => (h.kind === 'email' ? 'same_email' : 'same_phone')))],
          });
      }
      pending = [];
    };
    for await (const record of readRecords(kind, files.open(user.id, id), mapping)) {
      switch (record.kind) {
        case 'csvHeader': {
          const suggested = suggestCsvMapping(record.header);
          out.csv = {
            header: record.header.slice(0, 200),
            preset: suggested.preset,
            mapping: mapping ?? suggested.mapping,
          };
          break;
        }
        case 'error':
          out.counts.errors += 1;
          if (out.errors.length < listed) out.errors.push({ line: record.line, message: record.message });
          break;
        case 'warning':
          out.counts.warnings += 1;
          if (out.warnings.length < listed) out.warnings.push({ line: record.line, message: record.message });
          break;
        case 'contact': {
          out.counts.contacts += 1;
          const { emails, phones } = identifiersOf(record.contact, defaultCountry);
          const pairs = [
            ...emails.map((e) => ({ kind: 'email', value: normalizeEmail(e)! })),
            ...phones.map((p) => ({ kind: 'phone', value: normalizePhone(p, { defaultCountry })! })),
          ];
          if (pairs.length) pending.push({ line: record.line, name: record.contact.fullName, pairs });
          if (pending.length >= 500) await flush();
          break;
        }
        case 'event':
          out.counts.events += 1;
          break;
        case 'message':
          out.counts.messages += 1;
          break;
      }
    }
    await flush();
    return out;
  }

  return {
    /** Stores the upload, previews it and records the import (status previewed). */
    async upload(user: AuthenticatedUser, input: { kind: ImportKind; fileName: string; body: Readable }) {
      const id = uuidv7();
      const byteSize = await files.save(user.id, id, input.body, deps.maxUploadBytes);
      try {
        const result = await preview(user, id, input.kind, null);
        return await asUser(user, (tx) =>
          repo.insert(tx, {
            id,
            ownerId: user.id,
            kind: input.kind,
            fileName: input.fileName,
            byteSize,
            mapping: result.csv?.mapping ?? null,
            preview: result,
          }),
        );
      } catch (error) {
        await files.remove(user.id, id);
        throw error;
      }
    },

    list: (user: AuthenticatedUser) => asUser(user, (tx) => repo.list(tx, 50)),

    async get(user: AuthenticatedUser, id: string): Promise<ImportRow> {
      const row = await asUser(user, (tx) => repo.get(tx, id));
      if (!row) throw new NotFoundError('import');
      return row;
    },

    /** CSV: a new column mapping, and the preview it gives. */
    async setMapping(user: AuthenticatedUser, id: string, mapping: CsvField[]) {
      const row = await this.get(user, id);
      if (row.kind !== 'csv') throw new ValidationError('Only CSV imports have a column mapping.');
      if (row.status !== 'previewed')
        throw new ConflictError('This import was committed already.', 'already_committed');
      const columns = (row.preview as unknown as Preview).csv?.header.length ?? 0;
      if (mapping.length !== columns)
        throw new ValidationError(`The mapping names ${mapping.length} columns; the file has ${columns}.`, [
          { path: '/mapping', message: `give one field per column (${columns})` },
        ]);
      if (
        mapping.filter(
          (m) => m === 'fullName' || m === 'givenName' || m === 'familyName' || m === 'email' || m === 'phone',
        ).length === 0
      )
        throw new ValidationError('Map at least one column to a name, email or phone.', [
          { path: '/mapping', message: 'no name column' },
        ]);
      const result = await preview(user, id, 'csv', mapping);
      await asUser(user, (tx) => repo.setPreview(tx, id, mapping, result));
      return this.get(user, id);
    },

    /**
     * Queues the commit as a background job; the import's progress says how far it got.
     * `duplicates`: 'suggest' creates contacts an existing person has separately and suggests
     * the merges; 'merge' folds each into that person (undone with the import).
     */
    async commit(user: AuthenticatedUser, id: string, duplicates: DuplicatesChoice = 'suggest') {
      await asUser(user, async (tx) => {
        const row = await repo.get(tx, id, true);
        if (!row) throw new NotFoundError('import');
        if (row.status !== 'previewed' && row.status !== 'failed')
          throw new ConflictError(`This import is ${row.status} already.`, 'already_committed');
        const p = row.preview as unknown as Preview;
        await repo.setStatus(tx, id, 'queued', {
          total: p.counts.contacts + p.counts.events + p.counts.messages,
          error: null,
          duplicates,
        });
        await deps.enqueue(tx, { importId: id, ownerId: user.id });
      });
      return this.get(user, id);
    },

    /** The job: reads the file again and writes it through ingest in batches, one transaction each. */
    async run(importId: string, ownerId: string) {
      const user = userOf(ownerId);
      const row = await asUser(user, async (tx) => {
        const found = await repo.get(tx, importId, true);
        if (found && (found.status === 'queued' || found.status === 'running'))
          await repo.setStatus(tx, importId, 'running');
        return found;
      });
      if (!row || (row.status !== 'queued' && row.status !== 'running')) return;
      const defaultCountry = await region(user);
      const source = importSource(importId);
      const externalIds = createExternalIds();
      const summary = {
        created: 0,
        updated: 0,
        personsCreated: 0,
        merged: 0,
        failed: 0,
        errors: [] as { line: number; message: string }[],
        mergeSuggestions: [] as { personId: string; existingPersonId: string; kind: string; value: string }[],
      };
      let batch: { line: number; item: IngestItem }[] = [];
      let done = 0;
      const write = async (items: { line: number; item: IngestItem }[]) => {
        const result = await asUser(user, async (tx) => {
          const r = await deps.ingest(tx, {
            ownerId,
            actor: { kind: 'user', id: ownerId },
            items: items.map((i) => i.item),
            defaultCountry,
          });
          if (row.duplicates === 'merge') await mergeDuplicates(tx, r);
          await repo.progress(tx, importId, done + items.length);
          return r;
        });
        for (const item of result.items) {
          if (item.status === 'created') summary.created += 1;
          else if (item.status === 'updated') summary.updated += 1;
        }
        summary.personsCreated += result.personsCreated;
        if (row.duplicates === 'merge') return;
        for (const c of result.identifierConflicts)
          if (summary.mergeSuggestions.length < 1000)
            summary.mergeSuggestions.push({
              personId: result.items[c.index]!.id,
              existingPersonId: c.personId,
              kind: c.kind,
              value: c.value,
            });
      };
      /**
       * 'merge': each imported person that claimed an identifier an existing person has is
       * merged into that person (the first one it met), in the batch's transaction, and the
       * merge recorded for undo. The survivor keeps everything it had and takes the fields it
       * lacks, the identifiers and the links (graph mergePersons). A second holder of another
       * of its identifiers is left as a merge suggestion for the survivor.
       */
      const mergeDuplicates = async (tx: Sql, result: Awaited<ReturnType<Ingest>>) => {
        const into = new Map<string, string>();
        const survivorOf = (id: string) => {
          let current = id;
          while (into.has(current)) current = into.get(current)!;
          return current;
        };
        const later: typeof summary.mergeSuggestions = [];
        for (const c of result.identifierConflicts) {
          const item = result.items[c.index]!;
          if (item.status === 'deleted') continue;
          const existing = survivorOf(c.personId);
          const imported = survivorOf(item.id);
          if (existing === imported) continue;
          if (into.has(item.id)) {
            later.push({ personId: imported, existingPersonId: existing, kind: c.kind, value: c.value });
            continue;
          }
          const merged = await deps.merges.mergePersons(user, existing, item.id, tx);
          await repo.recordMerge(tx, importId, ownerId, merged.mergeId);
          into.set(item.id, existing);
          summary.merged += 1;
        }
        for (const s of later)
          if (summary.mergeSuggestions.length < 1000 && survivorOf(s.existingPersonId) !== s.personId)
            summary.mergeSuggestions.push(s);
      };
      const flush = async () => {
        if (batch.length === 0) return;
        try {
          await write(batch);
        } catch (error) {
          if (!(error instanceof UserError)) throw error;
          // One bad item refuses its batch: write them one by one so only it is left out.
          for (const one of batch) {
            try {
              await write([one]);
            } catch (inner) {
              if (!(inner instanceof UserError)) throw inner;
              summary.failed += 1;
              if (summary.errors.length < listed) summary.errors.push({ line: one.line, message: inner.message });
            }
          }
        }
        done += batch.length;
        batch = [];
      };
      try {
        const mapping = row.mapping as CsvField[] | null;
        for await (const record of readRecords(row.kind, files.open(ownerId, importId), mapping)) {
          const item = await itemOf(record, user, source, externalIds, defaultCountry);
          if (item) batch.push({ line: record.line, item });
          if (batch.length >= batchSize) await flush();
        }
        await flush();
        await asUser(user, (tx) => repo.setStatus(tx, importId, 'committed', { result: summary }));
      } catch (error) {
        await asUser(user, (tx) =>
          repo.setStatus(tx, importId, 'failed', { result: summary, error: (error as Error).message.slice(0, 1000) }),
        );
        throw error;
      }
    },

    /**
     * Removes everything the import created, in one transaction: first the merges it made are
     * undone (newest first, so each existing person gets back exactly what it had), then every
     * live entity with the import's source is deleted.
     */
    async undo(user: AuthenticatedUser, id: string) {
      await asUser(user, async (tx) => {
        const row = await repo.get(tx, id, true);
        if (!row) throw new NotFoundError('import');
        if (row.status === 'undone') throw new ConflictError('This import was undone already.', 'already_undone');
        if (row.status !== 'committed' && row.status !== 'failed')
          throw new ConflictError(`This import is ${row.status}: undo it once it has finished.`, 'not_finished');
        for (const mergeId of await repo.activeMerges(tx, id)) {
          try {
            await deps.merges.undoMerge(user, mergeId, tx);
          } catch (error) {
            // The existing person was deleted since: nothing of the import is left in it.
            if (error instanceof ConflictError && error.code === 'survivor_deleted') continue;
            if (error instanceof ConflictError && error.code === 'undo_later_merge_first')
              throw new ConflictError(
                'A contact this import merged into was merged into another person since: undo that merge first, then undo the import.',
                'undo_later_merge_first',
                error.details,
              );
            throw error;
          }
        }
        const source = importSource(id);
        const ids = await repo.liveExternalIds(tx, source);
        for (let i = 0; i < ids.length; i += 1000) {
          await deps.removeExternal(tx, {
            ownerId: user.id,
            actor: { kind: 'user', id: user.id },
            items: ids.slice(i, i + 1000).map((externalId) => ({ source, externalId })),
          });
        }
        await repo.setStatus(tx, id, 'undone', { result: { ...(row.result ?? {}), removed: ids.length } });
      });
      return this.get(user, id);
    },
  };

  async function itemOf(
    record: ImportRecord,
    user: AuthenticatedUser,
    source: string,
    externalIds: ReturnType<typeof createExternalIds>,
    defaultCountry: CountryCode | undefined,
  ): Promise<IngestItem | null> {
    switch (record.kind) {
      case 'contact': {
        const externalId = externalIds(record.contact.uid, record.line);
        const photo = record.contact.photo
          ? await deps.storePhoto(user, `import-${source.slice(7)}/${record.line}`, record.contact.photo)
          : null;
        return contactItem(record.contact, source, externalId, defaultCountry, photo);
      }
      case 'event': {
        const e = record.event;
        return eventItem(e, source, externalIds(e.recurrenceId ? `${e.uid}/${e.recurrenceId}` : e.uid, record.line));
      }
      case 'message':
        return messageItem(record.message, source, externalIds(record.message.messageId, record.line));
      default:
        return null;
    }
  }
}

export type Imports = ReturnType<typeof createImports>;
export { csvFields };
