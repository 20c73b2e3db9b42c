import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Config } from './platform/config.ts';
import type { Database } from './platform/db/index.ts';
import { registerAuthentication, type TokenVerifier } from './platform/http/authentication.ts';
import { registerContentEncodingCheck } from './platform/http/content-encoding-check.ts';
import { answerFrameworkError, registerErrorHandling } from './platform/http/error-handler.ts';
import { registerJsonBodyCheck } from './platform/http/json-body-check.ts';
import type { Logger } from './platform/logger.ts';
import { metric } from './platform/metrics.ts';
import type { DependencyHealth, HubModule } from './platform/module.ts';

export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Database;
  tokenVerifier: TokenVerifier;
  modules: readonly HubModule[];
}

/**
 * One line per request, at debug, instead of Fastify's two at info: at the default level an
 * operator's console shows what happened, not every call the web app made. Failures keep
 * their error line.
 */
class QuietRequestLog extends LogController {
  override incomingRequest() {}
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply) {
    if (error) return super.requestCompleted(error, request, reply);
    request.log.debug(
      { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  }
}

/** A hop count as Fastify applies it (its types take no number): the n hops nearest the hub. */
const trustProxyOption = (trust: Config['trustProxy']) =>
  typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust;

/** Builds the Fastify instance without listening: tests drive it with inject(). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast only widens its generic type.
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Ids must not be guessable from logs; the client may pass its own for tracing.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : crypto.randomUUID();
    },
    bodyLimit: 1024 * 1024,
    // Behind a load balancer, the client is who the trusted proxy says (X-Forwarded-For): the
    // per-IP rate limits key on request.ip. Off unless TRUST_PROXY says which hops to believe.
    trustProxy: trustProxyOption(deps.config.trustProxy),
    logController: new QuietRequestLog(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    frameworkErrors: answerFrameworkError,
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  registerContentEncodingCheck(app);
  registerJsonBodyCheck(app);
  registerAuthentication(app, deps.tokenVerifier);

  // The web app (and any Supabase client in a browser) calls the hub from its own origin.
  await app.register(cors, {
    origin: [
      `http://localhost:${deps.config.webPort}`,
      `http://127.0.0.1:${deps.config.webPort}`,
      ...deps.config.corsOrigins,
    ],
    credentials: true,
    exposedHeaders: ['content-range', 'retry-after', 'x-request-id'],
    maxAge: 600,
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Made Open hub API',
        version: '0.1.0',
        description:
          'The platform REST API (/api/v1), the GoTrue-compatible auth subset (/auth/v1) and operations endpoints. Authenticate with `Authorization: Bearer <access token>`.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get(
    '/health',
    { schema: { tags: ['operations'], summary: 'State of the hub and each dependency', security: [] } },
    async (_request, reply) => {
      const checks: Record<string, DependencyHealth> = {};
      const started = performance.now();
      try {
        await deps.db.ping();
        checks.database = {
          status: 'ok',
          details: {
            kind: deps.db.kind,
            vector: deps.db.hasVector,
            latencyMs: Math.round((performance.now() - started) * 10) / 10,
          },
        };
      } catch {
        checks.database = { status: 'down', details: { kind: deps.db.kind } };
      }
      for (const module of deps.modules) {
        if (!module.health) continue;
        try {
          Object.assign(checks, await module.health());
        } catch {
          checks[module.name] = { status: 'down' };
        }
      }
      const statuses = Object.values(checks).map((c) => c.status);
      const status = statuses.includes('down') ? 'down' : statuses.includes('degraded') ? 'degraded' : 'ok';
      return reply.status(status === 'down' ? 503 : 200).send({ status, checks });
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus text-format metrics', security: [] } },
    async (_request, reply) => {
      const parts = await Promise.all(deps.modules.map((m) => (m.metrics ? m.metrics() : '')));
      const memory = process.memoryUsage();
      parts.unshift(
        ...metric('made_open_process_resident_bytes', 'gauge', 'Resident memory of the hub process.', memory.rss),
        ...metric('made_open_process_heap_used_bytes', 'gauge', 'V8 heap in use.', memory.heapUsed),
      );
      return reply.type('text/plain; version=0.0.4').send(`${parts.filter(Boolean).join('\n')}\n`);
    },
  );

  for (const module of deps.modules) {
    if (module.routes) await app.register(module.routes);
  }
  return app;
}
