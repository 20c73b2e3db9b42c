import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../../platform/errors.ts';

/**
 * Uploaded import files and finished takeout archives, on the hub's disk under
 * DATA_DIR/portability/<owner>/<id>: streamed in and out, never held in memory or in the database.
 */
export function createFileStore(root: string) {
  const pathOf = (ownerId: string, id: string) => join(root, ownerId, id);
  return {
    pathOf,
    /** Streams `body` to disk; more than `maxBytes` is a 413 and nothing is kept. */
    async save(ownerId: string, id: string, body: Readable, maxBytes: number): Promise<number> {
      await mkdir(join(root, ownerId), { recursive: true });
      const path = pathOf(ownerId, id);
      let size = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (size > maxBytes)
            done(
              new UserError(413, 'too_large', `The file is larger than ${maxBytes} bytes, the most an import takes.`),
            );
          else done(null, chunk);
        },
      });
      try {
        await pipeline(body, counter, createWriteStream(path));
      } catch (error) {
        await rm(path, { force: true });
        throw error;
      }
      return size;
    },
    open: (ownerId: string, id: string) => createReadStream(pathOf(ownerId, id), { highWaterMark: 256 * 1024 }),
    async size(ownerId: string, id: string): Promise<number | null> {
      return stat(pathOf(ownerId, id)).then(
        (s) => s.size,
        () => null,
      );
    },
    remove: (ownerId: string, id: string) => rm(pathOf(ownerId, id), { force: true }),
  };
}
export type FileStore = ReturnType<typeof createFileStore>;
