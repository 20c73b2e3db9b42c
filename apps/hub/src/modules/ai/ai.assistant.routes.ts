import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../platform/errors.ts';
import { requireUser } from '../../platform/http/authentication.ts';
import type { Conversations } from './ai.conversations.ts';
import type { Drafts } from './ai.drafts.ts';
import { jsonOrEventStream } from './ai.event-stream.ts';
import type { Summaries } from './ai.summaries.ts';
import {
  contactParams,
  conversationParams,
  conversationsQuery,
  conversationView,
  draftInput,
  draftView,
  storedMessageView,
  summaryInput,
  summaryView,
} from './ai.schemas.ts';

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** Stored conversations, "draft a reply" and contact summaries (see README.md). */
export function assistantRoutes(deps: { conversations: Conversations; drafts: Drafts; summaries: Summaries }) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/api/v1/ai/conversations',
      {
        schema: {
          tags: ['ai'],
          summary: 'Your stored conversations with the assistant, most recently active first',
          querystring: conversationsQuery,
          response: { 200: z.object({ conversations: z.array(conversationView) }) },
        },
      },
      async (request) => ({
        conversations: await deps.conversations.list(await requireUser(request), request.query.limit),
      }),
    );

    app.get(
      '/api/v1/ai/conversations/:conversationId',
      {
        schema: {
          tags: ['ai'],
          summary: 'One conversation: every question and answer with the sources it read and its citations',
          params: conversationParams,
          response: {
            200: z.object({ conversation: conversationView, messages: z.array(storedMessageView) }),
            404: errorBody,
          },
        },
      },
      async (request) => {
        const found = await deps.conversations.get(await requireUser(request), request.params.conversationId);
        if (!found) throw new NotFoundError('conversation');
        return found;
      },
    );

    app.delete(
      '/api/v1/ai/conversations/:conversationId',
      {
        schema: {
          tags: ['ai'],
          summary: 'Deletes a conversation and its messages',
          params: conversationParams,
          response: { 204: z.null(), 404: errorBody },
        },
      },
      async (request, reply) => {
        if (!(await deps.conversations.remove(await requireUser(request), request.params.conversationId)))
          throw new NotFoundError('conversation');
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/v1/ai/drafts',
      {
        schema: {
          tags: ['ai'],
          summary:
            'Drafts a reply to a message thread for you to edit and send (nothing is sent). Message bodies are sensitive: a local model only unless you allowed a redacted cloud copy.',
          description:
            'With `Accept: text/event-stream` the answer is Server-Sent Events instead: `delta` {text} while the model writes, then `draft` (the same object as the JSON answer) or `error` {code, message}. Errors found before anything is written (404, 400) stay JSON. Closing the connection stops the model.',
          body: draftInput,
          response: { 200: draftView, 404: errorBody, 502: errorBody },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        return jsonOrEventStream(request, reply, 'draft', (signal, send) =>
          deps.drafts.draft(
            user,
            send ? { ...request.body, onDelta: (text) => send('delta', { text }) } : request.body,
            signal,
          ),
        );
      },
    );

    app.get(
      '/api/v1/ai/people/:personId/summary',
      {
        schema: {
          tags: ['ai'],
          summary:
            "A person's cached summary while their data is unchanged (`summary` null when there is none; `stale` when their data changed since)",
          params: contactParams,
          response: { 200: z.object({ summary: summaryView.nullable(), stale: z.boolean() }), 404: errorBody },
        },
      },
      async (request) => deps.summaries.get(await requireUser(request), request.params.personId),
    );

    app.post(
      '/api/v1/ai/people/:personId/summary',
      {
        schema: {
          tags: ['ai'],
          summary:
            'Summarises your history with a person from their graph (recent messages, calls, events, notes); the cached one while nothing changed, unless `refresh`',
          params: contactParams,
          description:
            'With `Accept: text/event-stream` the answer is Server-Sent Events instead: `sources` {sources} and `delta` {text} while a new summary is written, then `summary` (the same object as the JSON answer) or `error` {code, message}. Errors found before anything is written (404, 400) stay JSON. Closing the connection stops the model.',
          body: summaryInput,
          response: { 200: summaryView, 404: errorBody, 502: errorBody },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        return jsonOrEventStream(request, reply, 'summary', (signal, send) =>
          deps.summaries.summarise(
            user,
            request.params.personId,
            send
              ? {
                  ...request.body,
                  onSources: (sources) => send('sources', { sources }),
                  onDelta: (text) => send('delta', { text }),
                }
              : request.body,
            signal,
          ),
        );
      },
    );
  };
}
