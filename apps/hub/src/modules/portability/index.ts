import type { CountryCode } from '@made-open/shared';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Database, Sql } from '../../platform/db/index.ts';
import { ConflictError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { GraphService, Ingest, RemoveExternal } from '../graph/index.ts';
import { defineJob, type JobsModule } from '../jobs/index.ts';
import type { PluginsService } from '../plugins/index.ts';
import type { RulesService } from '../rules/index.ts';
import type { StorageService } from '../storage/index.ts';
import { createExports, type Exports } from './portability.exports.ts';
import { createFileStore } from './portability.files.ts';
import { createImports, type Imports } from './portability.imports.ts';
import { portabilityRoutes } from './portability.routes.ts';
import type { RestoreLimits } from './portability.restore.ts';
import { createRestores, type Restores } from './portability.restores.ts';
import { createTakeouts, type Takeouts } from './portability.takeout.ts';

export * from './formats/index.ts';

export const portabilityMigrations = {
  module: 'portability',
  dir: new URL('./migrations', import.meta.url).pathname,
};

export interface PortabilityModuleDeps {
  dataDir: string;
  db: Database;
  logger: Logger;
  ingest: Ingest;
  removeExternal: RemoveExternal;
  /** Merge on import, and the merges' undo with the import's. */
  merges: Pick<GraphService, 'mergePersons' | 'undoMerge'>;
  jobs: Pick<JobsModule, 'register' | 'enqueue'>;
  storage: Pick<
    StorageService,
    'createBucket' | 'upload' | 'download' | 'restoreBucket' | 'restoreObject' | 'dropRestoredBlobs'
  >;
  /** Restore: rules come back disabled with their versions, through the rules service. */
  rules: Pick<RulesService, 'restore'>;
  /** Restore: plugins come back waiting for consent, through the plugins service. */
  plugins: Pick<PluginsService, 'restore'>;
  defaultRegionOf?: (tx: Sql, userId: string) => Promise<CountryCode | undefined>;
  /** Largest import file (default 2 GiB). */
  maxUploadBytes?: number;
  /** Tests: smaller restore limits (defaults: 8 GiB unpacked, ratio 200, 1,000,000 entries). */
  restoreLimits?: Partial<RestoreLimits>;
}

export interface PortabilityModule extends HubModule {
  imports: Imports;
  exports: Exports;
  takeouts: Takeouts;
  restores: Restores;
}

const photoTypes: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

/** Your data in and out (issue 18): imports with preview and undo, vCard / iCalendar / mbox exports. */
export function createPortabilityModule(deps: PortabilityModuleDeps): PortabilityModule {
  const files = createFileStore(join(deps.dataDir, 'portability'));
  const importJob = defineJob({
    name: 'portability.import',
    priority: 'interactive',
    payload: z.object({ importId: z.string().uuid(), ownerId: z.string().uuid() }),
    retry: { limit: 2, backoff: { type: 'exponential', delaySeconds: 5 } },
    expireInSeconds: 3600,
    handler: async (payload) => imports.run(payload.importId, payload.ownerId),
  });
  deps.jobs.register(importJob);
  const imports: Imports = createImports({
    db: deps.db,
    logger: deps.logger,
    files,
    ingest: deps.ingest,
    removeExternal: deps.removeExternal,
    merges: deps.merges,
    defaultRegionOf: deps.defaultRegionOf,
    maxUploadBytes: deps.maxUploadBytes ?? 2 * 1024 ** 3,
    enqueue: async (tx, payload) => {
      await deps.jobs.enqueue(tx, importJob, payload);
    },
    // Contact photos go where the web puts them: the owner's private contact-photos bucket.
    storePhoto: async (user, name, photo) => {
      const ext = photoTypes[photo.contentType.toLowerCase()];
      if (!ext) return null;
      const bucket = `contact-photos-${user.id}`;
      await deps.storage
        .createBucket(user, { id: bucket, allowedMimeTypes: Object.keys(photoTypes), fileSizeLimit: 5 * 1024 * 1024 })
        .catch((error: unknown) => {
          if (!(error instanceof ConflictError)) throw error;
        });
      const path = `${name}.${ext}`;
      await deps.storage.upload(user, {
        bucketId: bucket,
        name: path,
        body: Readable.from([photo.data]),
        declaredSize: photo.data.length,
        contentType: photo.contentType,
        cacheControl: undefined,
        userMetadata: null,
        upsert: true,
      });
      return { bucket, path };
    },
  });
  const exports = createExports({
    db: deps.db,
    readPhoto: async (user, ref) => {
      try {
        const content = await deps.storage.download(user, ref.bucket, ref.path, undefined);
        const chunks: Buffer[] = [];
        for await (const chunk of content.body) chunks.push(chunk as Buffer);
        return { contentType: content.object.mime_type || 'image/jpeg', data: Buffer.concat(chunks) };
      } catch {
        return null;
      }
    },
  });
  const takeoutJob = defineJob({
    name: 'portability.takeout',
    priority: 'background',
    payload: z.object({ takeoutId: z.string().uuid(), ownerId: z.string().uuid() }),
    retry: { limit: 1, backoff: { type: 'fixed', delaySeconds: 30 } },
    expireInSeconds: 6 * 3600,
    handler: async (payload) => takeouts.run(payload.takeoutId, payload.ownerId),
  });
  deps.jobs.register(takeoutJob);
  const takeouts: Takeouts = createTakeouts({
    db: deps.db,
    logger: deps.logger,
    files,
    exports,
    storage: deps.storage,
    enqueue: async (tx, payload) => {
      await deps.jobs.enqueue(tx, takeoutJob, payload);
    },
  });
  const restoreLimits: RestoreLimits = {
    maxUnpackedBytes: 8 * 1024 ** 3,
    maxRatio: 200,
    maxEntries: 1_000_000,
    ...deps.restoreLimits,
  };
  const restoreJob = defineJob({
    name: 'portability.restore',
    priority: 'interactive',
    payload: z.object({ restoreId: z.string().uuid(), ownerId: z.string().uuid() }),
    retry: { limit: 1, backoff: { type: 'fixed', delaySeconds: 30 } },
    expireInSeconds: 6 * 3600,
    handler: async (payload) => restores.run(payload.restoreId, payload.ownerId),
  });
  deps.jobs.register(restoreJob);
  const restores: Restores = createRestores({
    restore: { db: deps.db, limits: restoreLimits, rules: deps.rules, plugins: deps.plugins, storage: deps.storage },
    files,
    logger: deps.logger,
    // An archive is compressed: it is never larger than what it may unpack to.
    maxUploadBytes: restoreLimits.maxUnpackedBytes,
    enqueue: async (tx, payload) => {
      await deps.jobs.enqueue(tx, restoreJob, payload);
    },
  });
  return {
    name: 'portability',
    imports,
    exports,
    takeouts,
    restores,
    routes: portabilityRoutes({ imports, exports, takeouts, restores }),
  };
}
