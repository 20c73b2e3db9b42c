import {
  entitySchema,
  taskCompleteInputSchema,
  timelinePageSchema,
  timelineQuerySchema,
  todayQuerySchema,
  todaySchema,
  uuidSchema,
} from '@made-open/shared';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../platform/http/authentication.ts';
import { errorResponses, errorSchema } from '../graph/graph.schemas.ts';
import type { TimelineService } from './timeline.service.ts';

const tags = ['timeline'];
const idParams = z.strictObject({ id: uuidSchema });

/** /api/v1 person timelines, Today, and completing tasks (issue 17 §3-4). */
export function timelineRoutes(service: TimelineService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/api/v1/persons/:id/timeline',
      {
        schema: {
          tags,
          summary: "A person's timeline: everything linked to them, newest first",
          description:
            'Messages, calls, events, notes (a note mentioning them), tasks and files linked to the person either way, ordered by ' +
            "each entity's own time (`at`: a message's or call's occurredAt, an event's startsAt, a task's dueAt, otherwise its last edit), " +
            'then id. `types` filters (comma-separated, e.g. `message,call`). Pages of `limit` (1-200, default 30); pass `nextCursor` back as ' +
            "`cursor`. Another user's person, a deleted one or an unknown id is 404; a merged one is 404 `merged` naming the survivor.",
          params: idParams,
          querystring: timelineQuerySchema,
          response: { 200: timelinePageSchema, ...errorResponses },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.timeline(user, request.params.id, request.query);
      },
    );

    app.get(
      '/api/v1/today',
      {
        schema: {
          tags,
          summary: 'What needs attention today',
          description:
            "Birthdays and anniversaries in the next `days` days (default 7) in the reader's `timeZone` (IANA, default UTC), open tasks " +
            '(soonest due first; `reminder` marks stay-in-touch reminders), the latest `recent` messages, calls and notes with the people ' +
            'they link, and how many people you have. Reading it first makes any stay-in-touch reminder that has fallen due (also done hourly by a job).',
          querystring: todayQuerySchema,
          response: { 200: todaySchema, ...errorResponses },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.today(user, request.query);
      },
    );

    app.post(
      '/api/v1/tasks/:id/complete',
      {
        schema: {
          tags,
          summary: 'Complete a task',
          description:
            'Sets status `done` and `completedAt` (now). `version` is the one you read (409 version_conflict when stale); a task done already is 409 already_done. ' +
            "Completing a stay-in-touch reminder resets the person's clock.",
          params: idParams,
          body: taskCompleteInputSchema,
          response: { 200: entitySchema, ...errorResponses, 409: errorSchema.describe('Conflict: see error.code') },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return service.completeTask(user, request.params.id, request.body.version);
      },
    );
  };
}
