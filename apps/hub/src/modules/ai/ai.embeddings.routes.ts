import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../platform/http/authentication.ts';
import type { Embeddings } from './ai.embeddings.ts';
import type { Retrieval } from './ai.retrieval.ts';

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

const embeddingStatus = z.object({
  vectors: z.enum(['on', 'off']),
  reason: z.string().nullable(),
  profile: z.string(),
  total: z.number().int(),
  embedded: z.number().int(),
  passages: z.number().int(),
  reembedding: z.boolean(),
  problem: z.string().nullable(),
});

/** `use-lite-512` (offline) or `ollama:<installed model>`. */
const profileInput = z
  .string()
  .regex(/^(use-lite-512|ollama:[A-Za-z0-9][A-Za-z0-9._:/-]{0,120})$/, 'use-lite-512 or ollama:<model>');

const passage = z.object({
  number: z.number().int(),
  entityId: z.string(),
  type: z.string(),
  title: z.string(),
  text: z.string(),
  occurredAt: z.string().nullable(),
  part: z.number().int().describe('Which passage of the entity matched, from 1 (a long text has several)'),
  parts: z.number().int().describe('How many passages the entity has'),
  start: z.number().int().describe("Where `text` starts in the entity's body (0-based character offset)"),
  end: z.number().int().describe('Where it ends (exclusive)'),
});

export function embeddingsRoutes(deps: { embeddings: Embeddings; retrieval: Retrieval }) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/api/v1/ai/embeddings',
      {
        schema: {
          tags: ['ai'],
          summary: 'Vector search status: on or off (and why), the embedding model, and how many entities are embedded',
          response: { 200: embeddingStatus },
        },
      },
      async (request) => deps.embeddings.status(await requireUser(request)),
    );

    app.post(
      '/api/v1/ai/embeddings/reembed',
      {
        schema: {
          tags: ['ai'],
          summary:
            'Chooses the embedding model (optional) and embeds everything again in the background; follow the progress in GET /api/v1/ai/embeddings',
          body: z.object({ profile: profileInput.optional() }).strict(),
          response: { 202: embeddingStatus, 409: errorBody },
        },
      },
      async (request, reply) => {
        const user = await requireUser(request);
        await deps.embeddings.reembed(user, request.body.profile);
        return reply.code(202).send(await deps.embeddings.status(user));
      },
    );

    app.post(
      '/api/v1/ai/retrieve',
      {
        schema: {
          tags: ['ai'],
          summary:
            'The passages an answer would be built from: keyword and vector results fused (RRF), filtered by the type, time and person the question names',
          body: z
            .object({
              question: z.string().trim().min(1).max(2_000),
              limit: z.number().int().min(1).max(20).default(6),
              mode: z.enum(['hybrid', 'keyword', 'vector']).default('hybrid'),
            })
            .strict(),
          response: {
            200: z.object({
              mode: z.enum(['hybrid', 'keyword', 'vector']),
              filters: z.object({
                types: z.array(z.string()).optional(),
                after: z.string().optional(),
                before: z.string().optional(),
                person: z.string().optional(),
                personIds: z.array(z.string()).optional(),
              }),
              passages: z.array(passage),
            }),
          },
        },
      },
      async (request) => {
        const user = await requireUser(request);
        return deps.retrieval.retrieve(user, request.body.question, {
          limit: request.body.limit,
          mode: request.body.mode,
        });
      },
    );
  };
}
