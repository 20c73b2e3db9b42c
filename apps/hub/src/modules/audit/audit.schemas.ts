import { z } from 'zod';

export const auditQuery = z.object({
  cursor: z.string().uuid('cursor must be the nextCursor of a previous page').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const auditEntrySchema = z.object({
  id: z.string().uuid(),
  type: z.string(),
  subject: z.string(),
  actor: z.object({ kind: z.enum(['user', 'plugin', 'rule', 'connector', 'ai', 'system']), id: z.string() }),
  data: z.record(z.string(), z.unknown()),
  v: z.number().int(),
  time: z.string(),
  recordedAt: z.string(),
});

export const auditPageSchema = z.object({
  entries: z.array(auditEntrySchema),
  /** Pass as `cursor` for the next (older) page; null at the end. */
  nextCursor: z.string().uuid().nullable(),
});
