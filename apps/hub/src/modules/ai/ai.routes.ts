import { AiProviderError, type AiProvider } from '@made-open/ai';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../platform/errors.ts';
import { requireUser } from '../../platform/http/authentication.ts';
import type { Chat } from './ai.chat.ts';
import { eventStream, streamErrorOf } from './ai.event-stream.ts';
import type { ClassesService, ContactClassesService } from './ai.classes.ts';
import type { Conversations } from './ai.conversations.ts';
import { aiClassSettingSchema, aiEgressEntrySchema } from '@made-open/shared/ai-api';
import type { EgressLog } from './ai.egress.ts';
import type { Providers } from './ai.providers.ts';
import {
  chatInput,
  classInput,
  classParams,
  contactClass,
  contactParams,
  egressQuery,
  providerStatus,
} from './ai.schemas.ts';

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

async function statusOf(provider: AiProvider | null, problem?: string) {
  if (!provider) return { configured: false, models: [], problem: problem ?? null };
  try {
    return { configured: true, models: await provider.models(AbortSignal.timeout(10_000)), problem: null };
  } catch (error) {
    return {
      configured: true,
      models: [],
      problem: error instanceof AiProviderError ? error.message : 'The provider did not answer.',
    };
  }
}

export function aiRoutes(deps: {
  chat: Chat;
  conversations: Pick<Conversations, 'exists'>;
  classes: ClassesService;
  contactClasses: ContactClassesService;
  egress: EgressLog;
  providers: Providers;
}) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/api/v1/ai/chat',
      {
        schema: {
          tags: ['ai'],
          summary: 'Ask about your own data: a Server-Sent Events stream of sources, text, citations and a final event',
          description:
            'Events: `conversation` {id, title} (the stored conversation this turn joins; pass `conversationId` to continue one), `sources` {sources:[{number, entityId, type, title, occurredAt, sensitive}]}, `delta` {text}, `citation` {number, entityId}, then `done` {route, locality, provider, model, redacted, usage, notice} or `error` {code, message}. Closing the connection stops the model. Sensitive context goes only to a local model (see modules/ai/README.md).',
          body: chatInput,
          response: { 400: errorBody, 404: errorBody },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        // Checked before the stream starts, so an unknown (or another user's) conversation is a plain 404.
        const { conversationId } = request.body;
        if (conversationId && !(await deps.conversations.exists(user, conversationId)))
          throw new NotFoundError('conversation');
        const stream = eventStream(reply);
        stream.start();
        try {
          await deps.chat.answer(user, request.body, (event) => stream.send(event.event, event.data), stream.signal);
        } catch (error) {
          request.log.error({ err: error }, 'AI chat failed');
          stream.send('error', streamErrorOf(error));
        }
        stream.end();
      },
    );

    app.get(
      '/api/v1/ai/egress',
      {
        schema: {
          tags: ['ai'],
          summary:
            'What left this hub for cloud AI models: when, model, entity ids, bytes, what was redacted (never the content)',
          querystring: egressQuery,
          response: { 200: z.object({ entries: z.array(aiEgressEntrySchema), nextCursor: z.string().nullable() }) },
        },
      },
      async (request) => deps.egress.list(await requireUser(request), request.query.limit, request.query.before),
    );

    app.get(
      '/api/v1/ai/classes',
      {
        schema: {
          tags: ['ai'],
          summary:
            'Your data class per entity type (sensitive: local model only) and whether a redacted version may go to the cloud',
          response: { 200: z.object({ classes: z.array(aiClassSettingSchema) }) },
        },
      },
      async (request) => ({ classes: await deps.classes.list(await requireUser(request)) }),
    );
    app.put(
      '/api/v1/ai/classes/:entityType',
      {
        schema: {
          tags: ['ai'],
          summary: "Sets one entity type's data class",
          params: classParams,
          body: classInput,
          response: { 200: z.object({ classes: z.array(aiClassSettingSchema) }) },
        },
      },
      async (request) => ({
        classes: await deps.classes.set(await requireUser(request), request.params.entityType, request.body),
      }),
    );
    app.delete(
      '/api/v1/ai/classes/:entityType',
      {
        schema: {
          tags: ['ai'],
          summary: "Returns one entity type's data class to the default",
          params: classParams,
          response: { 200: z.object({ classes: z.array(aiClassSettingSchema) }) },
        },
      },
      async (request) => ({
        classes: await deps.classes.set(await requireUser(request), request.params.entityType, null),
      }),
    );

    const contactsBody = z.object({ contacts: z.array(contactClass) });
    app.get(
      '/api/v1/ai/contacts',
      {
        schema: {
          tags: ['ai'],
          summary: 'Contacts whose data class replaces the type’s (for them and everything linked to them)',
          response: { 200: contactsBody },
        },
      },
      async (request) => ({ contacts: await deps.contactClasses.list(await requireUser(request)) }),
    );
    app.put(
      '/api/v1/ai/contacts/:personId',
      {
        schema: {
          tags: ['ai'],
          summary: "Sets one contact's data class",
          params: contactParams,
          body: classInput,
          response: { 200: contactsBody, 404: errorBody },
        },
      },
      async (request) => {
        const contacts = await deps.contactClasses.set(
          await requireUser(request),
          request.params.personId,
          request.body,
        );
        if (!contacts) throw new NotFoundError('contact');
        return { contacts };
      },
    );
    app.delete(
      '/api/v1/ai/contacts/:personId',
      {
        schema: {
          tags: ['ai'],
          summary: "Removes one contact's data class (their items follow their type again)",
          params: contactParams,
          response: { 200: contactsBody, 404: errorBody },
        },
      },
      async (request) => {
        const contacts = await deps.contactClasses.set(await requireUser(request), request.params.personId, null);
        if (!contacts) throw new NotFoundError('contact');
        return { contacts };
      },
    );

    app.get(
      '/api/v1/ai/models',
      {
        schema: {
          tags: ['ai'],
          summary: 'Your AI providers (from your credentials) and their models',
          response: { 200: z.object({ cloud: providerStatus, local: providerStatus }) },
        },
      },
      async (request) => {
        const providers = await deps.providers.forUser(await requireUser(request));
        const [cloud, local] = await Promise.all([
          statusOf(providers.cloud),
          statusOf(providers.local, providers.localProblem),
        ]);
        return { cloud, local };
      },
    );
  };
}
