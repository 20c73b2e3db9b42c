import { eventRegistry } from '@made-open/shared/event-registry';
import { parseRuleDefinition, type RuleDefinition } from '@made-open/shared/rules';
import { ruleTemplates } from '@made-open/shared/rules-templates';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import type { Database, Sql } from '../../platform/db/index.ts';
import { NotFoundError, UserError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { ActionsService } from '../actions/index.ts';
import { covers, type PolicyService } from '../policy/index.ts';
import { jsonDiff } from './rules.diff.ts';
import { dryRun } from './rules.dryrun.ts';
import type { RulesEngine } from './rules.engine.ts';
import { requiredPermissions } from './rules.permissions.ts';
import { rulesRepository as repo, type RuleListRow, type RuleRow, type RunRow } from './rules.repository.ts';
import type { DryRunInput, ManualRunInput, RunListQuery, SaveInput } from './rules.schemas.ts';

export interface RulesServiceDeps {
  db: Database;
  policy: Pick<PolicyService, 'grant' | 'listGrants' | 'invalidate' | 'revoke'>;
  actions: Pick<ActionsService, 'has'>;
  engine: RulesEngine;
}

type Caller = Pick<AuthenticatedUser, 'id' | 'claims'>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const iso = (value: string | Date | null) => (value === null ? null : new Date(value).toISOString());
const principalOf = (ruleId: string) => ({ kind: 'rule' as const, id: ruleId });

/** `If-Match: "3"` (or W/"3", or 3): the version the edit was based on. */
export function parseIfMatch(header: string | undefined): number {
  if (header === undefined || header.trim() === '')
    throw new UserError(
      428,
      'precondition_required',
      'Send If-Match with the version you edited (the ETag of GET /api/v1/rules/{id}), so a concurrent save is not overwritten.',
    );
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) throw new ValidationError('If-Match must be the rule version in quotes, such as "3".');
  return Number(match[1]);
}

function ruleView(row: RuleRow | RuleListRow) {
  const list = 'failures_7d' in row ? row : null;
  return {
    id: row.id,
    version: row.current_version,
    enabled: row.enabled,
    name: row.definition.name,
    definition: row.definition,
    webhook: row.webhook_secret_hash !== null,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    ...(list
      ? {
          lastRun: list.last_run_at ? { at: iso(list.last_run_at)!, status: list.last_run_status! } : null,
          failures7d: list.failures_7d,
        }
      : {}),
  };
}

function runView(row: RunRow, withTrace: boolean) {
  return {
    id: row.id,
    ruleId: row.rule_id,
    version: row.version,
    status: row.status,
    reason: row.reason,
    triggerId: row.trigger_id,
    triggerEventId: row.trigger_event_id,
    rerunOf: row.rerun_of,
    startedAt: iso(row.started_at)!,
    finishedAt: iso(row.finished_at),
    ...(withTrace ? { trigger: row.trigger, trace: row.trace } : {}),
  };
}

/** Rules (issue 14): versioned definitions, grants approved at save, runs and their traces, dry runs. */
export function createRulesService(deps: RulesServiceDeps) {
  const { db, engine } = deps;

  function parse(definition: unknown): RuleDefinition {
    const parsed = parseRuleDefinition(definition, eventRegistry);
    if (!parsed.ok)
      throw new ValidationError(
        `The rule is not valid: ${parsed.issues[0]!.message} (at /definition${parsed.issues[0]!.path}).`,
        parsed.issues.map((issue) => ({ path: `/definition${issue.path}`, message: issue.message })),
      );
    const needs = requiredPermissions(parsed.definition, deps.actions.has);
    if (needs.issues.length > 0)
      throw new ValidationError(
        `The rule is not valid: ${needs.issues[0]!.message}.`,
        needs.issues.map((issue) => ({ path: `/definition${issue.path}`, message: issue.message })),
      );
    return parsed.definition;
  }

  /** The grants the rule needs: those held already, plus those approved now; anything else is a 400 listing them. */
  async function approveGrants(
    tx: Sql,
    caller: Caller,
    ruleId: string,
    definition: RuleDefinition,
    approve: readonly string[],
  ) {
    const { permissions } = requiredPermissions(definition, deps.actions.has);
    const held = (await deps.policy.listGrants(caller, principalOf(ruleId), tx)).map((g) => g.permission);
    const missing = permissions.filter((p) => !held.some((h) => covers(h, p)));
    const unapproved = missing.filter((p) => !approve.includes(p));
    if (unapproved.length > 0)
      throw new UserError(
        400,
        'grants_required',
        `This rule needs your approval to ${unapproved.join(', ')}: send them in approve.`,
        { required: permissions, missing: unapproved },
      );
    if (missing.length > 0) await deps.policy.grant(caller, principalOf(ruleId), missing, tx);
    return missing.length > 0;
  }

  const schedulesOf = (definition: RuleDefinition) =>
    definition.triggers.flatMap((t) => (t.type === 'schedule' ? [{ triggerId: t.id, cron: t.cron, tz: t.tz }] : []));

  const hasWebhook = (definition: RuleDefinition) => definition.triggers.some((t) => t.type === 'webhook');

  function committed(caller: Caller, ruleId: string, grantsChanged: boolean) {
    engine.invalidate(caller.id);
    if (grantsChanged) deps.policy.invalidate(caller.id, principalOf(ruleId));
  }

  async function requireRule(tx: Sql, caller: Caller, id: string, lock = false) {
    const row = await repo.get(tx, caller.id, id, { lock });
    if (!row) throw new NotFoundError('rule');
    return row;
  }

  /** Saves a new version of a rule whose current version is `expected`. */
  async function saveVersion(
    caller: Caller,
    id: string,
    expected: number,
    definition: RuleDefinition,
    approve: readonly string[],
    note: string,
  ) {
    let grantsChanged = false;
    const result = await db.asUser(caller.claims, async (tx) => {
      const row = await requireRule(tx, caller, id, true);
      if (row.current_version !== expected)
        throw new UserError(
          412,
          'version_conflict',
          `This rule was saved as version ${row.current_version} since you loaded version ${expected}: compare, then save again with If-Match: "${row.current_version}".`,
          {
            current: { version: row.current_version, definition: row.definition },
            diff: jsonDiff((await repo.version(tx, caller.id, id, expected))?.definition ?? null, row.definition),
          },
        );
      grantsChanged = await approveGrants(tx, caller, id, definition, approve);
      const version = row.current_version + 1;
      await repo.insertVersion(tx, { ruleId: id, ownerId: caller.id, version, definition, author: caller.id, note });
      await repo.setCurrent(tx, id, version);
      await repo.replaceSchedules(tx, caller.id, id, row.enabled ? schedulesOf(definition) : []);
      let webhookSecret: string | undefined;
      if (hasWebhook(definition) && !row.webhook_secret_hash) {
        webhookSecret = randomBytes(24).toString('base64url');
        await repo.setWebhookSecret(tx, caller.id, id, sha256(webhookSecret));
      }
      const saved = await requireRule(tx, caller, id);
      return { rule: ruleView(saved), ...(webhookSecret ? { webhookSecret } : {}) };
    });
    committed(caller, id, grantsChanged);
    return result;
  }

  return {
    templates: () => ruleTemplates,

    async list(caller: Caller) {
      const rows = await db.asUser(caller.claims, (tx) => repo.list(tx, caller.id));
      return { items: rows.map(ruleView) };
    },

    async get(caller: Caller, id: string) {
      return ruleView(await db.asUser(caller.claims, (tx) => requireRule(tx, caller, id)));
    },

    async create(caller: Caller, input: SaveInput) {
      const definition = parse(input.definition);
      const id = uuidv7();
      const webhookSecret = hasWebhook(definition) ? randomBytes(24).toString('base64url') : null;
      let grantsChanged = false;
      const result = await db.asUser(caller.claims, async (tx) => {
        grantsChanged = await approveGrants(tx, caller, id, definition, input.approve);
        const enabled = input.enabled ?? false;
        await repo.insertRule(tx, {
          id,
          ownerId: caller.id,
          enabled,
          webhookSecretHash: webhookSecret ? sha256(webhookSecret) : null,
        });
        await repo.insertVersion(tx, {
          ruleId: id,
          ownerId: caller.id,
          version: 1,
          definition,
          author: caller.id,
          note: input.note,
        });
        if (enabled) await repo.replaceSchedules(tx, caller.id, id, schedulesOf(definition));
        return { rule: ruleView(await requireRule(tx, caller, id)), ...(webhookSecret ? { webhookSecret } : {}) };
      });
      committed(caller, id, grantsChanged);
      return result;
    },

    async replace(caller: Caller, id: string, ifMatch: string | undefined, input: SaveInput) {
      const expected = parseIfMatch(ifMatch);
      return saveVersion(caller, id, expected, parse(input.definition), input.approve, input.note);
    },

    /** PATCH: a JSON merge patch (RFC 7386) of the definition. */
    async patch(caller: Caller, id: string, ifMatch: string | undefined, input: SaveInput) {
      const expected = parseIfMatch(ifMatch);
      const current = await db.asUser(caller.claims, (tx) => requireRule(tx, caller, id));
      const merged = mergePatch(current.definition, input.definition);
      return saveVersion(caller, id, expected, parse(merged), input.approve, input.note);
    },

    async rollback(caller: Caller, id: string, ifMatch: string | undefined, version: number) {
      const expected = parseIfMatch(ifMatch);
      const old = await db.asUser(caller.claims, async (tx) => {
        await requireRule(tx, caller, id);
        return repo.version(tx, caller.id, id, version);
      });
      if (!old) throw new NotFoundError('version of this rule');
      // Grants approved for the old version are still held unless revoked: then the owner approves again.
      return saveVersion(caller, id, expected, parse(old.definition), [], `rolled back to version ${version}`);
    },

    async setEnabled(caller: Caller, id: string, enabled: boolean) {
      const view = await db.asUser(caller.claims, async (tx) => {
        const row = await requireRule(tx, caller, id, true);
        await repo.setEnabled(tx, caller.id, id, enabled);
        await repo.replaceSchedules(tx, caller.id, id, enabled ? schedulesOf(row.definition) : []);
        return ruleView(await requireRule(tx, caller, id));
      });
      committed(caller, id, false);
      return view;
    },

    /** Deletes the rule with its versions and runs, and revokes what it was granted. */
    async remove(caller: Caller, id: string) {
      await db.asUser(caller.claims, async (tx) => {
        if (!(await repo.remove(tx, caller.id, id))) throw new NotFoundError('rule');
        await deps.policy.revoke(caller, principalOf(id), 'all', tx);
      });
      committed(caller, id, true);
    },

    async versions(caller: Caller, id: string) {
      const rows = await db.asUser(caller.claims, async (tx) => {
        await requireRule(tx, caller, id);
        return repo.versions(tx, caller.id, id);
      });
      return {
        items: rows.map((v) => ({
          version: v.version,
          author: v.author,
          note: v.note,
          createdAt: iso(v.created_at)!,
          definition: v.definition,
        })),
      };
    },

    async diff(caller: Caller, id: string, from: number, to: number) {
      const [a, b] = await db.asUser(caller.claims, async (tx) => {
        await requireRule(tx, caller, id);
        return Promise.all([repo.version(tx, caller.id, id, from), repo.version(tx, caller.id, id, to)]);
      });
      if (!a || !b) throw new NotFoundError('version of this rule');
      return { from, to, operations: jsonDiff(a.definition, b.definition) };
    },

    async dryRun(caller: Caller, id: string | null, input: DryRunInput) {
      return db.asUser(caller.claims, async (tx) => {
        let definition: RuleDefinition;
        if (input.definition !== undefined) definition = parse(input.definition);
        else {
          if (!id) throw new ValidationError('Give the draft to try in definition.');
          const row = await requireRule(tx, caller, id);
          const version = input.version ?? row.current_version;
          const found = await repo.version(tx, caller.id, id, version);
          if (!found) throw new NotFoundError('version of this rule');
          definition = found.definition;
        }
        if (id) await requireRule(tx, caller, id);
        return dryRun(tx, caller.id, id, definition, { days: input.days, limit: input.limit });
      });
    },

    async runs(caller: Caller, id: string, query: RunListQuery) {
      const rows = await db.asUser(caller.claims, async (tx) => {
        await requireRule(tx, caller, id);
        return repo.listRuns(tx, caller.id, id, { limit: query.limit, before: query.before, status: query.status });
      });
      return {
        items: rows.map((r) => runView(r, false)),
        nextBefore: rows.length === query.limit ? iso(rows.at(-1)!.started_at) : null,
      };
    },

    async run(caller: Caller, id: string, runId: string) {
      const row = await db.asUser(caller.claims, (tx) => repo.getRun(tx, caller.id, id, runId));
      if (!row) throw new NotFoundError('run of this rule');
      return runView(row, true);
    },

    /** Runs the rule's current version again with a past run's trigger (its conditions are not checked again). */
    async rerun(caller: Caller, id: string, runId: string) {
      const started = await db.asUser(caller.claims, async (tx) => {
        const rule = await requireRule(tx, caller, id);
        const past = await repo.getRun(tx, caller.id, id, runId);
        if (!past) throw new NotFoundError('run of this rule');
        return engine.begin(tx, {
          ruleId: id,
          ownerId: caller.id,
          version: rule.current_version,
          definition: rule.definition,
          trigger: past.trigger as never,
          depth: past.depth,
          dedupeKey: null,
          rerunOf: runId,
          skipConditions: true,
        });
      });
      return started!;
    },

    /** A manual run: the trigger is skipped, so are the conditions unless asked for (as Home Assistant's Run). */
    async manualRun(caller: Caller, id: string, input: ManualRunInput) {
      const started = await db.asUser(caller.claims, async (tx) => {
        const rule = await requireRule(tx, caller, id);
        return engine.begin(tx, {
          ruleId: id,
          ownerId: caller.id,
          version: rule.current_version,
          definition: rule.definition,
          trigger: {
            triggerId: 'manual',
            type: 'manual',
            id: null,
            subject: null,
            time: new Date().toISOString(),
            actor: null,
            data: input.data,
          },
          depth: 1,
          dedupeKey: null,
          skipConditions: !input.checkConditions,
        });
      });
      return started!;
    },

    /** An incoming webhook: the rule's secret, an enabled rule with a webhook trigger; anything else is the same 404. */
    async webhook(id: string, secret: string | undefined, payload: Record<string, unknown>) {
      const notFound = () => new NotFoundError('rule webhook');
      if (!secret || secret.length > 200) throw notFound();
      return db.asSystem(async (tx) => {
        const { rows } = await tx.query<{ owner_id: string }>(`SELECT owner_id FROM made_open.rules WHERE id = $1`, [
          id,
        ]);
        const ownerId = rows[0]?.owner_id;
        const rule = ownerId ? await repo.get(tx, ownerId, id) : undefined;
        const expected = Buffer.from(rule?.webhook_secret_hash ?? '0'.repeat(64), 'hex');
        const given = Buffer.from(sha256(secret), 'hex');
        if (!rule || !timingSafeEqual(expected, given) || !rule.enabled) throw notFound();
        const trigger = rule.definition.triggers.find((t) => t.type === 'webhook');
        if (!trigger) throw notFound();
        const started = await engine.begin(tx, {
          ruleId: id,
          ownerId: rule.owner_id,
          version: rule.current_version,
          definition: rule.definition,
          trigger: {
            triggerId: trigger.id,
            type: 'webhook',
            id: null,
            subject: null,
            time: new Date().toISOString(),
            actor: null,
            data: payload,
          },
          depth: 1,
          dedupeKey: null,
        });
        return started!;
      });
    },

    /**
     * Takeout restore (modules/portability), in the caller's transaction: a new rule (rule
     * ids are global) with every version re-created in order, so the last is current. It
     * arrives disabled with no grants: the owner approves what it needs (`permissions`) by
     * saving it (`approve`), then enables it. A webhook trigger gets a new secret nobody has
     * seen (never the archived one): POST /:id/webhook-secret shows a fresh one. A version
     * that is not valid here refuses the whole rule (ValidationError), before anything is written.
     */
    async restore(
      tx: Sql,
      caller: Caller,
      versions: readonly { definition: unknown; note: string }[],
    ): Promise<{ id: string; name: string; versions: number; webhook: boolean; permissions: string[] }> {
      if (versions.length === 0) throw new ValidationError('The rule has no versions.');
      const definitions = versions.map((v) => parse(v.definition));
      const current = definitions.at(-1)!;
      const id = uuidv7();
      const webhook = hasWebhook(current);
      await repo.insertRule(tx, {
        id,
        ownerId: caller.id,
        enabled: false,
        webhookSecretHash: webhook ? sha256(randomBytes(24).toString('base64url')) : null,
      });
      for (const [i, definition] of definitions.entries())
        await repo.insertVersion(tx, {
          ruleId: id,
          ownerId: caller.id,
          version: i + 1,
          definition,
          author: caller.id,
          note: versions[i]!.note.slice(0, 500),
        });
      if (definitions.length > 1) await repo.setCurrent(tx, id, definitions.length);
      return {
        id,
        name: current.name,
        versions: definitions.length,
        webhook,
        permissions: requiredPermissions(current, deps.actions.has).permissions,
      };
    },

    async rotateWebhookSecret(caller: Caller, id: string) {
      return db.asUser(caller.claims, async (tx) => {
        const row = await requireRule(tx, caller, id, true);
        if (!hasWebhook(row.definition)) throw new UserError(409, 'no_webhook', 'This rule has no webhook trigger.');
        const webhookSecret = randomBytes(24).toString('base64url');
        await repo.setWebhookSecret(tx, caller.id, id, sha256(webhookSecret));
        return { webhookSecret };
      });
    },
  };
}

/** RFC 7386: objects merge key by key, null removes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '__proto__') continue;
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

export type RulesService = ReturnType<typeof createRulesService>;
