import type { RuleDefinition, RuleRunStatus, TraceEntry } from '@made-open/shared/rules';
import type { Sql } from '../../platform/db/index.ts';

export interface RuleRow {
  id: string;
  owner_id: string;
  current_version: number;
  enabled: boolean;
  webhook_secret_hash: string | null;
  created_at: string;
  updated_at: string;
  definition: RuleDefinition;
}

export interface RuleListRow extends RuleRow {
  last_run_at: string | null;
  last_run_status: RuleRunStatus | null;
  failures_7d: number;
}

export interface VersionRow {
  version: number;
  definition: RuleDefinition;
  author: string;
  note: string;
  created_at: string;
}

export interface RunRow {
  id: string;
  rule_id: string;
  owner_id: string;
  version: number;
  status: RuleRunStatus;
  reason: string | null;
  trigger_id: string;
  trigger_event_id: string | null;
  trigger: Record<string, unknown>;
  depth: number;
  rerun_of: string | null;
  trace: TraceEntry[];
  resume_at: string | null;
  started_at: string;
  finished_at: string | null;
}

const ruleColumns = `r.id, r.owner_id, r.current_version, r.enabled, r.webhook_secret_hash, r.created_at, r.updated_at, v.definition`;
const runColumns = `id, rule_id, owner_id, version, status, reason, trigger_id, trigger_event_id, trigger, depth,
  rerun_of, trace, resume_at, started_at, finished_at`;

/** Every statement of the rules module. Callers pass the owner explicitly (system transactions bypass RLS). */
export const rulesRepository = {
  async insertRule(
    tx: Sql,
    rule: { id: string; ownerId: string; enabled: boolean; webhookSecretHash: string | null },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO made_open.rules (id, owner_id, current_version, enabled, webhook_secret_hash) VALUES ($1, $2, 1, $3, $4)`,
      [rule.id, rule.ownerId, rule.enabled, rule.webhookSecretHash],
    );
  },

  async insertVersion(
    tx: Sql,
    version: {
      ruleId: string;
      ownerId: string;
      version: number;
      definition: RuleDefinition;
      author: string;
      note: string;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO made_open.rule_versions (rule_id, owner_id, version, definition, author, note) VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        version.ruleId,
        version.ownerId,
        version.version,
        JSON.stringify(version.definition),
        version.author,
        version.note,
      ],
    );
  },

  async get(tx: Sql, ownerId: string, id: string, options: { lock?: boolean } = {}): Promise<RuleRow | undefined> {
    const { rows } = await tx.query<RuleRow & Record<string, unknown>>(
      `SELECT ${ruleColumns} FROM made_open.rules r
         JOIN made_open.rule_versions v ON v.rule_id = r.id AND v.version = r.current_version
        WHERE r.owner_id = $1 AND r.id = $2 ${options.lock ? 'FOR UPDATE OF r' : ''}`,
      [ownerId, id],
    );
    return rows[0];
  },

  async setCurrent(tx: Sql, id: string, version: number): Promise<void> {
    await tx.query(`UPDATE made_open.rules SET current_version = $2, updated_at = now() WHERE id = $1`, [id, version]);
  },

  async setEnabled(tx: Sql, ownerId: string, id: string, enabled: boolean): Promise<boolean> {
    const { rowCount } = await tx.query(
      `UPDATE made_open.rules SET enabled = $3, updated_at = now() WHERE owner_id = $1 AND id = $2`,
      [ownerId, id, enabled],
    );
    return rowCount > 0;
  },

  async setWebhookSecret(tx: Sql, ownerId: string, id: string, hash: string | null): Promise<boolean> {
    const { rowCount } = await tx.query(
      `UPDATE made_open.rules SET webhook_secret_hash = $3 WHERE owner_id = $1 AND id = $2`,
      [ownerId, id, hash],
    );
    return rowCount > 0;
  },

  async remove(tx: Sql, ownerId: string, id: string): Promise<boolean> {
    const { rowCount } = await tx.query(`DELETE FROM made_open.rules WHERE owner_id = $1 AND id = $2`, [ownerId, id]);
    return rowCount > 0;
  },

  async list(tx: Sql, ownerId: string): Promise<RuleListRow[]> {
    const { rows } = await tx.query<RuleListRow & Record<string, unknown>>(
      `SELECT ${ruleColumns}, last.started_at AS last_run_at, last.status AS last_run_status,
              (SELECT count(*)::int FROM made_open.rule_runs f
                WHERE f.rule_id = r.id AND f.status = 'failed' AND f.started_at > now() - interval '7 days') AS failures_7d
         FROM made_open.rules r
         JOIN made_open.rule_versions v ON v.rule_id = r.id AND v.version = r.current_version
         LEFT JOIN LATERAL (SELECT started_at, status FROM made_open.rule_runs x
                             WHERE x.rule_id = r.id ORDER BY started_at DESC LIMIT 1) last ON true
        WHERE r.owner_id = $1
        ORDER BY r.created_at, r.id`,
      [ownerId],
    );
    return rows;
  },

  async versions(tx: Sql, ownerId: string, ruleId: string): Promise<VersionRow[]> {
    const { rows } = await tx.query<VersionRow & Record<string, unknown>>(
      `SELECT version, definition, author, note, created_at FROM made_open.rule_versions
        WHERE owner_id = $1 AND rule_id = $2 ORDER BY version DESC`,
      [ownerId, ruleId],
    );
    return rows;
  },

  async version(tx: Sql, ownerId: string, ruleId: string, version: number): Promise<VersionRow | undefined> {
    const { rows } = await tx.query<VersionRow & Record<string, unknown>>(
      `SELECT version, definition, author, note, created_at FROM made_open.rule_versions
        WHERE owner_id = $1 AND rule_id = $2 AND version = $3`,
      [ownerId, ruleId, version],
    );
    return rows[0];
  },

  /** The engine's index for one owner: enabled rules with their current definitions. */
  async enabledOf(tx: Sql, ownerId: string): Promise<{ id: string; version: number; definition: RuleDefinition }[]> {
    const { rows } = await tx.query<{ id: string; version: number; definition: RuleDefinition }>(
      `SELECT r.id, r.current_version AS version, v.definition FROM made_open.rules r
         JOIN made_open.rule_versions v ON v.rule_id = r.id AND v.version = r.current_version
        WHERE r.owner_id = $1 AND r.enabled`,
      [ownerId],
    );
    return rows;
  },

  /**
   * Every owner's distinct lead times (`minutesBefore`) that enabled rules ask of an event
   * type (calendar.EventStarting): what the calendar's emitter computes. System transaction.
   */
  async leadTimes(tx: Sql, eventType: string): Promise<{ ownerId: string; minutesBefore: number }[]> {
    const { rows } = await tx.query<{ ownerId: string; minutesBefore: number }>(
      `SELECT DISTINCT r.owner_id AS "ownerId", (t ->> 'minutesBefore')::int AS "minutesBefore"
         FROM made_open.rules r
         JOIN made_open.rule_versions v ON v.rule_id = r.id AND v.version = r.current_version
         CROSS JOIN LATERAL jsonb_array_elements(v.definition -> 'triggers') AS t
        WHERE r.enabled AND t ->> 'type' = 'event' AND t ->> 'event' = $1
          AND jsonb_typeof(t -> 'minutesBefore') = 'number'
        ORDER BY 1, 2`,
      [eventType],
    );
    return rows;
  },

  async replaceSchedules(
    tx: Sql,
    ownerId: string,
    ruleId: string,
    schedules: { triggerId: string; cron: string; tz: string }[],
  ): Promise<void> {
    await tx.query(`DELETE FROM made_open.rule_schedules WHERE owner_id = $1 AND rule_id = $2`, [ownerId, ruleId]);
    if (schedules.length === 0) return;
    await tx.query(
      `INSERT INTO made_open.rule_schedules (rule_id, owner_id, trigger_id, cron, tz)
       SELECT $1, $2, s.trigger_id, s.cron, s.tz
         FROM jsonb_to_recordset($3::jsonb) AS s(trigger_id text, cron text, tz text)`,
      [ruleId, ownerId, JSON.stringify(schedules.map((s) => ({ trigger_id: s.triggerId, cron: s.cron, tz: s.tz })))],
    );
  },

  async schedules(
    tx: Sql,
  ): Promise<{ rule_id: string; owner_id: string; trigger_id: string; cron: string; tz: string }[]> {
    const { rows } = await tx.query<{
      rule_id: string;
      owner_id: string;
      trigger_id: string;
      cron: string;
      tz: string;
    }>(`SELECT rule_id, owner_id, trigger_id, cron, tz FROM made_open.rule_schedules`);
    return rows;
  },

  /* ---------- runs ---------- */

  /** Inserts a run; false when its dedupe key was taken (the same event or minute ran it already). */
  async insertRun(
    tx: Sql,
    run: {
      id: string;
      ruleId: string;
      ownerId: string;
      version: number;
      status: RuleRunStatus;
      reason: string | null;
      triggerId: string;
      triggerEventId: string | null;
      trigger: unknown;
      depth: number;
      dedupeKey: string | null;
      rerunOf: string | null;
      trace: TraceEntry[];
      finished: boolean;
    },
  ): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO made_open.rule_runs (id, rule_id, owner_id, version, status, reason, trigger_id, trigger_event_id,
              trigger, depth, dedupe_key, rerun_of, trace, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, CASE WHEN $14 THEN clock_timestamp() END)
       ON CONFLICT DO NOTHING`,
      [
        run.id,
        run.ruleId,
        run.ownerId,
        run.version,
        run.status,
        run.reason,
        run.triggerId,
        run.triggerEventId,
        JSON.stringify(run.trigger),
        run.depth,
        run.dedupeKey,
        run.rerunOf,
        JSON.stringify(run.trace),
        run.finished,
      ],
    );
    return rowCount > 0;
  },

  /** Saves a run's progress, only while it is still in `from` (a restart may have cancelled it). */
  async updateRun(
    tx: Sql,
    id: string,
    from: readonly RuleRunStatus[],
    change: { status: RuleRunStatus; trace: TraceEntry[]; resumeAt?: string | null; reason?: string | null },
  ): Promise<boolean> {
    const finished = !['queued', 'running', 'waiting'].includes(change.status);
    const { rowCount } = await tx.query(
      `UPDATE made_open.rule_runs SET status = $3, trace = $4, resume_at = $5, reason = COALESCE($6, reason),
              heartbeat_at = clock_timestamp(), finished_at = CASE WHEN $7 THEN clock_timestamp() ELSE finished_at END
        WHERE id = $1 AND status = ANY($2)`,
      [id, from, change.status, JSON.stringify(change.trace), change.resumeAt ?? null, change.reason ?? null, finished],
    );
    return rowCount > 0;
  },

  async getRun(tx: Sql, ownerId: string, ruleId: string | null, id: string): Promise<RunRow | undefined> {
    const { rows } = await tx.query<RunRow & Record<string, unknown>>(
      `SELECT ${runColumns} FROM made_open.rule_runs WHERE owner_id = $1 AND id = $2 ${ruleId ? 'AND rule_id = $3' : ''}`,
      ruleId ? [ownerId, id, ruleId] : [ownerId, id],
    );
    return rows[0];
  },

  async listRuns(
    tx: Sql,
    ownerId: string,
    ruleId: string,
    options: { limit: number; before?: string; status?: RuleRunStatus },
  ): Promise<RunRow[]> {
    const { rows } = await tx.query<RunRow & Record<string, unknown>>(
      `SELECT ${runColumns} FROM made_open.rule_runs
        WHERE owner_id = $1 AND rule_id = $2 AND ($3::timestamptz IS NULL OR started_at < $3)
          AND ($4::text IS NULL OR status = $4)
        ORDER BY started_at DESC, id DESC LIMIT $5`,
      [ownerId, ruleId, options.before ?? null, options.status ?? null, options.limit],
    );
    return rows;
  },

  async activeRuns(tx: Sql, ruleId: string): Promise<{ id: string; status: RuleRunStatus }[]> {
    const { rows } = await tx.query<{ id: string; status: RuleRunStatus }>(
      `SELECT id, status FROM made_open.rule_runs
        WHERE rule_id = $1 AND status IN ('queued', 'running', 'waiting') ORDER BY started_at, id`,
      [ruleId],
    );
    return rows;
  },

  /** What a run decision needs in one statement: runs started in the last hour, and the active ones. */
  async runLoad(
    tx: Sql,
    ruleId: string,
  ): Promise<{ lastHour: number; active: { id: string; status: RuleRunStatus }[] }> {
    const { rows } = await tx.query<{ last_hour: number; active: { id: string; status: RuleRunStatus }[] | null }>(
      `SELECT (SELECT count(*)::int FROM made_open.rule_runs
                WHERE rule_id = $1 AND started_at > clock_timestamp() - interval '1 hour'
                  AND status NOT IN ('skipped', 'rate_limited')) AS last_hour,
              (SELECT jsonb_agg(jsonb_build_object('id', id, 'status', status) ORDER BY started_at, id)
                 FROM made_open.rule_runs WHERE rule_id = $1 AND status IN ('queued', 'running', 'waiting')) AS active`,
      [ruleId],
    );
    return { lastHour: rows[0]!.last_hour, active: rows[0]!.active ?? [] };
  },

  /** Runs that started (or wait to) in the last `seconds`: what perHour and atMost count. */
  async countRecent(tx: Sql, ruleId: string, seconds: number): Promise<number> {
    const { rows } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM made_open.rule_runs
        WHERE rule_id = $1 AND started_at > clock_timestamp() - make_interval(secs => $2)
          AND status NOT IN ('skipped', 'rate_limited')`,
      [ruleId, seconds],
    );
    return rows[0]!.n;
  },

  async cancelActive(tx: Sql, ruleId: string, reason: string): Promise<number> {
    const { rowCount } = await tx.query(
      `UPDATE made_open.rule_runs SET status = 'cancelled', reason = $2, finished_at = clock_timestamp()
        WHERE rule_id = $1 AND status IN ('queued', 'running', 'waiting')`,
      [ruleId, reason],
    );
    return rowCount;
  },

  /**
   * The oldest queued run of a rule, claimed (moved to running) when no other run is active.
   * It takes the rule's row lock first, as a run decision does: a decision that queued a run
   * behind the run just finished commits before this looks, so the queued run is never missed.
   */
  async claimNextQueued(tx: Sql, ruleId: string): Promise<string | undefined> {
    await rulesRepository.lockRuleRow(tx, ruleId);
    const { rows } = await tx.query<{ id: string }>(
      `UPDATE made_open.rule_runs SET status = 'running', heartbeat_at = clock_timestamp()
        WHERE id = (SELECT id FROM made_open.rule_runs WHERE rule_id = $1 AND status = 'queued'
                     ORDER BY started_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
          AND NOT EXISTS (SELECT 1 FROM made_open.rule_runs WHERE rule_id = $1 AND status IN ('running', 'waiting'))
        RETURNING id`,
      [ruleId],
    );
    return rows[0]?.id;
  },

  /** Rules with queued runs and none active: a run that ended without starting the next (its process died). */
  async idleQueues(tx: Sql): Promise<{ rule_id: string; owner_id: string }[]> {
    const { rows } = await tx.query<{ rule_id: string; owner_id: string }>(
      `SELECT DISTINCT q.rule_id, q.owner_id FROM made_open.rule_runs q
        WHERE q.status = 'queued'
          AND NOT EXISTS (SELECT 1 FROM made_open.rule_runs a
                           WHERE a.rule_id = q.rule_id AND a.status IN ('running', 'waiting'))
        LIMIT 100`,
    );
    return rows;
  },

  async lockRuleRow(tx: Sql, ruleId: string): Promise<void> {
    await tx.query(`SELECT 1 FROM made_open.rules WHERE id = $1 FOR UPDATE`, [ruleId]);
  },

  /** Runs stuck in running (their process died): not touched for `seconds`. */
  async staleRunning(tx: Sql, seconds: number): Promise<{ id: string; owner_id: string }[]> {
    const { rows } = await tx.query<{ id: string; owner_id: string }>(
      `SELECT id, owner_id FROM made_open.rule_runs
        WHERE status = 'running' AND heartbeat_at < clock_timestamp() - make_interval(secs => $1) LIMIT 100`,
      [seconds],
    );
    return rows;
  },

  /** Retention: the newest `keep` finished runs per rule, and failures younger than `failureDays`. */
  async prune(tx: Sql, keep: number, failureDays: number): Promise<number> {
    const { rowCount } = await tx.query(
      `DELETE FROM made_open.rule_runs r USING (
         SELECT id, row_number() OVER (PARTITION BY rule_id ORDER BY started_at DESC, id DESC) AS n
           FROM made_open.rule_runs WHERE finished_at IS NOT NULL) ranked
        WHERE r.id = ranked.id AND ranked.n > $1
          AND NOT (r.status = 'failed' AND r.started_at > now() - make_interval(days => $2))`,
      [keep, failureDays],
    );
    return rowCount;
  },

  async findPerson(
    tx: Sql,
    ownerId: string,
    by: { id?: string; kind?: 'phone' | 'email'; value?: string },
  ): Promise<{ id: string; title: string; properties: Record<string, unknown> } | undefined> {
    const { rows } = by.id
      ? await tx.query<{ id: string; title: string; properties: Record<string, unknown> }>(
          `SELECT id, title, properties FROM public.entities
            WHERE owner_id = $1 AND id = $2 AND type = 'person' AND deleted_at IS NULL`,
          [ownerId, by.id],
        )
      : await tx.query<{ id: string; title: string; properties: Record<string, unknown> }>(
          `SELECT e.id, e.title, e.properties FROM public.identifiers i
             JOIN public.entities e ON e.owner_id = i.owner_id AND e.id = i.entity_id AND e.deleted_at IS NULL
            WHERE i.owner_id = $1 AND i.kind = $2 AND i.value = $3`,
          [ownerId, by.kind, by.value],
        );
    return rows[0];
  },

  /** The owner's own published events of some types since a time (dry runs), oldest first. */
  async eventsSince(
    tx: Sql,
    ownerId: string,
    types: readonly string[],
    since: Date,
    limit: number,
  ): Promise<
    {
      id: string;
      type: string;
      subject: string;
      time: string;
      actor: Record<string, unknown>;
      data: Record<string, unknown>;
    }[]
  > {
    const { rows } = await tx.query<{
      id: string;
      type: string;
      subject: string;
      time: string;
      actor: Record<string, unknown>;
      data: Record<string, unknown>;
    }>(
      `SELECT id, type, subject, time, actor, data FROM made_open.outbox
        WHERE owner_id = $1 AND type = ANY($2) AND time >= $3 AND published_at IS NOT NULL
        ORDER BY time, id LIMIT $4`,
      [ownerId, types, since.toISOString(), limit],
    );
    return rows;
  },
};
