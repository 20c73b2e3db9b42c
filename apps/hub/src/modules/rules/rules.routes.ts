import rateLimit from '@fastify/rate-limit';
import type { RateLimiting } from '../../platform/http/rate-limit/index.ts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../platform/http/authentication.ts';
import { ValidationError } from '../../platform/errors.ts';
import {
  ruleDiffSchema,
  ruleDryRunSchema,
  ruleListSchema,
  ruleManualRunInputSchema,
  ruleRollbackInputSchema,
  ruleRunPageSchema,
  ruleRunSchema,
  ruleRunStartedSchema,
  ruleTemplateListSchema,
  ruleVersionListSchema,
  ruleViewSchema,
  savedRuleSchema,
} from '@made-open/shared/rules-api';
import { diffQuery, dryRunInput, idParams, runListQuery, runParams, saveInput } from './rules.schemas.ts';
import type { RulesService } from './rules.service.ts';

const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
const tags = ['rules'];

/** Webhook calls per client IP per minute (each starts a run). */
export const webhooksPerMinute = 120;

/** /api/v1/rules: rules, versions, dry runs, runs and traces, manual and webhook runs (issue 14). */
export function rulesRoutes(service: RulesService, rateLimiting: RateLimiting) {
  return async function routes(fastify: FastifyInstance) {
    // The webhook limit protects capacity, not a secret (each rule's is 192 random bits): if
    // the shared count fails, count on this instance rather than drop integrations' calls.
    await fastify.register(rateLimit, rateLimiting.plugin('count-here'));
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const etag = (version: number) => `"${version}"`;

    app.get(
      '/api/v1/rules/templates',
      {
        schema: {
          tags,
          summary: 'Rules to start from (missed call auto-reply, VIP email, leaving work)',
          response: { 200: ruleTemplateListSchema },
        },
      },
      async (request) => {
        await requireUser(request);
        return { items: service.templates() as never };
      },
    );
    app.get(
      '/api/v1/rules',
      {
        schema: {
          tags,
          summary: 'Your rules, with their last run and failures in the last 7 days',
          response: { 200: ruleListSchema },
        },
      },
      async (request) => service.list(await requireUser(request)),
    );
    app.post(
      '/api/v1/rules',
      {
        schema: {
          tags,
          summary: 'Create a rule (version 1); approve the permissions its steps need',
          description:
            'A 400 `grants_required` lists the permissions (details.missing) to send in `approve`. With a webhook trigger the ' +
            'response carries `webhookSecret`, shown only here.',
          body: saveInput,
          response: { 201: savedRuleSchema, 400: errorBody },
        },
      },
      async (request, reply) => {
        const saved = await service.create(await requireUser(request), request.body);
        reply.code(201).header('etag', etag(saved.rule.version));
        return saved;
      },
    );
    app.get(
      '/api/v1/rules/:id',
      {
        schema: {
          tags,
          summary: 'A rule and its current definition (ETag: its version)',
          params: idParams,
          response: { 200: ruleViewSchema, 404: errorBody },
        },
      },
      async (request, reply) => {
        const rule = await service.get(await requireUser(request), request.params.id);
        reply.header('etag', etag(rule.version));
        return rule;
      },
    );
    for (const method of ['put', 'patch'] as const) {
      app[method](
        '/api/v1/rules/:id',
        {
          schema: {
            tags,
            summary:
              method === 'put'
                ? 'Save a new version of a rule (If-Match: the version you edited)'
                : 'Save a new version from a JSON merge patch of the definition (If-Match required)',
            description:
              'Without If-Match: 428. When someone saved since your version: 412 `version_conflict` with details.current ' +
              '(version and definition) and details.diff (JSON Patch from your version to it).',
            params: idParams,
            headers: z.object({ 'if-match': z.string().max(40).optional() }),
            body: saveInput.omit({ enabled: true }),
            response: { 200: savedRuleSchema, 400: errorBody, 404: errorBody, 412: errorBody, 428: errorBody },
          },
        },
        async (request, reply) => {
          const user = await requireUser(request);
          const ifMatch = request.headers['if-match'];
          const body = { ...request.body, enabled: undefined };
          const saved =
            method === 'put'
              ? await service.replace(user, request.params.id, ifMatch, body)
              : await service.patch(user, request.params.id, ifMatch, body);
          reply.header('etag', etag(saved.rule.version));
          return saved;
        },
      );
    }
    app.delete(
      '/api/v1/rules/:id',
      {
        schema: {
          tags,
          summary: 'Delete a rule with its versions and runs',
          params: idParams,
          response: { 204: z.null(), 404: errorBody },
        },
      },
      async (request, reply) => {
        await service.remove(await requireUser(request), request.params.id);
        return reply.code(204).send(null);
      },
    );
    for (const action of ['enable', 'disable'] as const) {
      app.post(
        `/api/v1/rules/:id/${action}`,
        {
          schema: {
            tags,
            summary: `${action === 'enable' ? 'Enable' : 'Disable'} a rule (no new version)`,
            params: idParams,
            response: { 200: ruleViewSchema, 404: errorBody },
          },
        },
        async (request) => service.setEnabled(await requireUser(request), request.params.id, action === 'enable'),
      );
    }
    app.get(
      '/api/v1/rules/:id/versions',
      {
        schema: {
          tags,
          summary: "A rule's versions, newest first",
          params: idParams,
          response: { 200: ruleVersionListSchema, 404: errorBody },
        },
      },
      async (request) => service.versions(await requireUser(request), request.params.id),
    );
    app.get(
      '/api/v1/rules/:id/diff',
      {
        schema: {
          tags,
          summary: 'The JSON Patch (RFC 6902) from one version of a rule to another',
          params: idParams,
          querystring: diffQuery,
          response: { 200: ruleDiffSchema, 404: errorBody },
        },
      },
      async (request) =>
        service.diff(await requireUser(request), request.params.id, request.query.from, request.query.to),
    );
    app.post(
      '/api/v1/rules/:id/rollback',
      {
        schema: {
          tags,
          summary: 'Roll back: a new version copying an old one (If-Match required)',
          params: idParams,
          headers: z.object({ 'if-match': z.string().max(40).optional() }),
          body: ruleRollbackInputSchema,
          response: { 200: savedRuleSchema, 404: errorBody, 412: errorBody, 428: errorBody },
        },
      },
      async (request, reply) => {
        const saved = await service.rollback(
          await requireUser(request),
          request.params.id,
          request.headers['if-match'],
          request.body.version,
        );
        reply.header('etag', etag(saved.rule.version));
        return saved;
      },
    );
    app.post(
      '/api/v1/rules/dry-run',
      {
        schema: {
          tags,
          summary: 'Try a draft rule against your own events of the last N days, every action simulated',
          body: dryRunInput,
          response: { 200: ruleDryRunSchema, 400: errorBody },
        },
      },
      async (request) => {
        if (request.body.definition === undefined) throw new ValidationError('Give the draft to try in definition.');
        return service.dryRun(await requireUser(request), null, request.body);
      },
    );
    app.post(
      '/api/v1/rules/:id/dry-run',
      {
        schema: {
          tags,
          summary:
            'Try a version of this rule (or a draft of it) against your own recent events, every action simulated',
          description:
            'Lists which events would have fired it and what each run would have done (rendered inputs), before you enable it.',
          params: idParams,
          body: dryRunInput,
          response: { 200: ruleDryRunSchema, 400: errorBody, 404: errorBody },
        },
      },
      async (request) => service.dryRun(await requireUser(request), request.params.id, request.body),
    );
    app.get(
      '/api/v1/rules/:id/runs',
      {
        schema: {
          tags,
          summary: "A rule's runs, newest first (page with before=<startedAt>)",
          params: idParams,
          querystring: runListQuery,
          response: { 200: ruleRunPageSchema, 404: errorBody },
        },
      },
      async (request) => service.runs(await requireUser(request), request.params.id, request.query),
    );
    app.get(
      '/api/v1/rules/:id/runs/:runId',
      {
        schema: {
          tags,
          summary:
            "A run's trace: its trigger, each condition with the values it saw, each step's input, output, error and timing",
          params: runParams,
          response: { 200: ruleRunSchema, 404: errorBody },
        },
      },
      async (request) => service.run(await requireUser(request), request.params.id, request.params.runId),
    );
    app.post(
      '/api/v1/rules/:id/runs/:runId/rerun',
      {
        schema: {
          tags,
          summary: "Run the rule's current version again with a past run's trigger",
          params: runParams,
          response: { 202: ruleRunStartedSchema, 404: errorBody },
        },
      },
      async (request, reply) => {
        reply.code(202);
        return service.rerun(await requireUser(request), request.params.id, request.params.runId);
      },
    );
    app.post(
      '/api/v1/rules/:id/run',
      {
        schema: {
          tags,
          summary: 'Run a rule now (its trigger skipped; its conditions too unless checkConditions)',
          params: idParams,
          body: ruleManualRunInputSchema,
          response: { 202: ruleRunStartedSchema, 404: errorBody },
        },
      },
      async (request, reply) => {
        reply.code(202);
        return service.manualRun(await requireUser(request), request.params.id, request.body);
      },
    );
    app.post(
      '/api/v1/rules/:id/webhook-secret',
      {
        schema: {
          tags,
          summary: "Replace a rule's incoming-webhook secret (shown only here)",
          params: idParams,
          response: { 200: z.object({ webhookSecret: z.string() }), 404: errorBody, 409: errorBody },
        },
      },
      async (request) => service.rotateWebhookSecret(await requireUser(request), request.params.id),
    );
    app.post(
      '/api/v1/rules/:id/webhook',
      {
        config: { rateLimit: { max: webhooksPerMinute, timeWindow: '1 minute' } },
        bodyLimit: 16 * 1024,
        schema: {
          tags,
          summary:
            "Incoming webhook: runs an enabled rule's webhook trigger (no sign-in; the rule's secret in X-Rule-Secret)",
          description:
            'The JSON body (an object, at most 16 KB) is trigger.data. A wrong secret, a disabled rule or one without a webhook trigger: 404.',
          params: idParams,
          headers: z.object({ 'x-rule-secret': z.string().max(200).optional() }),
          body: z.record(z.string(), z.unknown()).default({}),
          response: { 202: ruleRunStartedSchema, 404: errorBody },
        },
      },
      async (request, reply) => {
        reply.code(202);
        return service.webhook(request.params.id, request.headers['x-rule-secret'], request.body);
      },
    );
  };
}
