import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../platform/http/authentication.ts';
import { readPluginTarball, validatePackage, type PluginPackage } from './plugins.package.ts';
import {
  consentBodySchema,
  packageBodySchema,
  pluginIdParams,
  pluginViewSchema,
  runResultSchema,
  runViewSchema,
} from './plugins.schemas.ts';
import type { PluginsService } from './plugins.service.ts';

const tags = ['plugins'];

function packageOf(body: z.infer<typeof packageBodySchema>): PluginPackage {
  return 'package' in body
    ? readPluginTarball(Buffer.from(body.package, 'base64'))
    : validatePackage(body.manifest, body.bundle);
}

export function pluginsRoutes(service: PluginsService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const bodyLimit = 6 * 1024 * 1024;

    app.post(
      '/api/v1/plugins',
      {
        bodyLimit,
        schema: {
          tags,
          summary: 'Install a plugin (waits for consent when it asks for permissions or credentials)',
          body: packageBodySchema,
          response: { 201: pluginViewSchema },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await service.install(await requireUser(request), packageOf(request.body))),
    );
    app.get(
      '/api/v1/plugins',
      {
        schema: {
          tags,
          summary: "The caller's installed plugins",
          response: { 200: z.object({ plugins: z.array(pluginViewSchema) }) },
        },
      },
      async (request) => ({ plugins: await service.list(await requireUser(request)) }),
    );
    app.get(
      '/api/v1/plugins/:pluginId',
      {
        schema: { tags, summary: 'One installed plugin', params: pluginIdParams, response: { 200: pluginViewSchema } },
      },
      async (request) => service.get(await requireUser(request), request.params.pluginId),
    );
    app.put(
      '/api/v1/plugins/:pluginId',
      {
        bodyLimit,
        schema: {
          tags,
          summary: 'Upgrade a plugin (asks for consent again when its permissions grow)',
          params: pluginIdParams,
          body: packageBodySchema,
          response: { 200: pluginViewSchema },
        },
      },
      async (request) => service.upgrade(await requireUser(request), request.params.pluginId, packageOf(request.body)),
    );
    app.post(
      '/api/v1/plugins/:pluginId/consent',
      {
        schema: {
          tags,
          summary: 'Grant permissions, set config and bind credentials; enables the plugin',
          params: pluginIdParams,
          body: consentBodySchema,
          response: { 200: pluginViewSchema },
        },
      },
      async (request) => service.consent(await requireUser(request), request.params.pluginId, request.body),
    );
    app.post(
      '/api/v1/plugins/:pluginId/enable',
      { schema: { tags, summary: 'Enable a plugin', params: pluginIdParams, response: { 200: pluginViewSchema } } },
      async (request) => service.setEnabled(await requireUser(request), request.params.pluginId, true),
    );
    app.post(
      '/api/v1/plugins/:pluginId/disable',
      { schema: { tags, summary: 'Disable a plugin', params: pluginIdParams, response: { 200: pluginViewSchema } } },
      async (request) => service.setEnabled(await requireUser(request), request.params.pluginId, false),
    );
    app.delete(
      '/api/v1/plugins/:pluginId',
      {
        schema: {
          tags,
          summary: 'Uninstall a plugin: its grants, storage and run log are removed',
          params: pluginIdParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await service.uninstall(await requireUser(request), request.params.pluginId);
        return reply.status(204).send(null);
      },
    );
    app.get(
      '/api/v1/plugins/:pluginId/runs',
      {
        schema: {
          tags,
          summary: "A plugin's run log, newest first",
          params: pluginIdParams,
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
          response: { 200: z.object({ runs: z.array(runViewSchema) }) },
        },
      },
      async (request) => ({
        runs: await service.runs(await requireUser(request), request.params.pluginId, request.query.limit),
      }),
    );
    app.post(
      '/api/v1/plugins/:pluginId/run',
      {
        schema: {
          tags,
          summary: "Run a plugin's manual trigger now",
          params: pluginIdParams,
          body: z.object({ input: z.unknown().optional() }).default({}),
          response: { 200: runResultSchema },
        },
      },
      async (request) =>
        service.runManually(await requireUser(request), request.params.pluginId, request.body?.input ?? null),
    );
  };
}
