import { z } from 'zod';
import { defineJob, type JobContext } from './jobs.schemas.ts';

/** Job types shared by the jobs tests and the kill-worker fixture (same name and schema in both processes). */
export const holdPayload = z.object({ n: z.number().int() });

export function holdJob(handler: (payload: z.output<typeof holdPayload>, context: JobContext) => Promise<void>) {
  return defineJob({
    name: 'test.hold',
    priority: 'realtime',
    payload: holdPayload,
    retry: { limit: 3, backoff: { type: 'fixed', delaySeconds: 0 } },
    // A worker that holds a job longer than this is presumed dead: the job runs again.
    expireInSeconds: 2,
    handler,
  });
}
