import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import { loadOrCreateSecretFile } from '../../platform/secret-files.ts';
import type { EventOutbox } from '../events/outbox.ts';
import { createBlobStore, type BlobStore } from './storage.blobs.ts';
import { storageRoutes } from './storage.routes.ts';
import { createStorageService, type FileEntities, type StorageService } from './storage.service.ts';
import { createUrlSigner } from './storage.signing.ts';
import { createUploadTokenSigner } from './storage.upload-tokens.ts';

export type { FileEntities, FileFacts, StorageService } from './storage.service.ts';

export const storageMigrations = {
  module: 'storage',
  dir: new URL('./migrations', import.meta.url).pathname,
};

export interface StorageModuleDeps {
  config: Config;
  db: Database;
  logger: Logger;
  outbox: EventOutbox;
  /** The graph's `file` entities (one per object). */
  files: FileEntities;
  /** Defaults to the backend the configuration selects. */
  blobs?: BlobStore;
}

export interface StorageModule extends HubModule {
  service: StorageService;
}

/**
 * Supabase-compatible object storage at /storage/v1 (DESIGN §1, §6): buckets and object
 * metadata in Postgres under RLS, bytes on disk under DATA_DIR/storage or in S3.
 */
export function createStorageModule(deps: StorageModuleDeps): StorageModule {
  const blobs = deps.blobs ?? createBlobStore(deps.config);
  // Signed URLs must verify on every hub instance: with a shared Supabase JWT secret they
  // do; otherwise the key is generated once into DATA_DIR.
  const secret = deps.config.supabase.jwtSecret ?? loadOrCreateSecretFile(deps.config.dataDir, 'storage-signing.key');
  const service = createStorageService({
    db: deps.db,
    blobs,
    outbox: deps.outbox,
    signer: createUrlSigner(secret),
    uploadSigner: createUploadTokenSigner(secret),
    files: deps.files,
    logger: deps.logger,
    maxFileSize: deps.config.storage.maxFileSize,
  });
  return {
    name: 'storage',
    service,
    routes: storageRoutes(service),
    async health() {
      return { storage: await blobs.health() };
    },
  };
}
