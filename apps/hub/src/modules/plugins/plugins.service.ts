import { randomBytes } from 'node:crypto';
import type { PluginManifest } from '@made-open/plugin-sdk/manifest';
import { matchesPattern } from '@made-open/plugin-sdk/manifest';
import {
  maxCausationDepth,
  reactingTo,
  type Actor,
  type EventData,
  type EventEnvelope,
  type NewEvent,
} from '@made-open/shared';
import { uuidv7 } from 'uuidv7';
import type { Database, RequestClaims, Sql } from '../../platform/db/index.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import { createTokenBuckets } from '../../platform/token-bucket.ts';
import type { EventOutbox } from '../events/index.ts';
import type { PolicyService } from '../policy/index.ts';
import { publicFieldsOf, providerRegistry } from '@made-open/shared/providers';
import type { WalletService } from '../wallet/index.ts';
import { actionLimits, type ActionsService, type CredentialBinding } from '../actions/index.ts';
import { createHostDispatch } from './plugins.host.ts';
import { validatePackage, type PluginPackage } from './plugins.package.ts';
import type { InstallationRow, PluginsRepository } from './plugins.repository.ts';
import type { RuntimePool } from './plugins.runtime.ts';
import { parseCron } from './runtime/cron.ts';
import { PluginInvocationError } from './runtime/sandbox.ts';

/** The plugin lifecycle events `emit` writes (each carries the plugin's id). */
type PluginLifecycleType =
  'plugin.Installed' | 'plugin.Upgraded' | 'plugin.Enabled' | 'plugin.Disabled' | 'plugin.Uninstalled';

export interface PluginsServiceDeps {
  db: Database;
  repository: PluginsRepository;
  policy: PolicyService;
  wallet: Pick<WalletService, 'unseal' | 'describe'>;
  /** What a plugin's ctx calls: each is an action invoked as the plugin. */
  actions: Pick<ActionsService, 'invoke' | 'session'>;
  outbox: Pick<EventOutbox, 'append' | 'appendMany'>;
  logger: Logger;
  pool: RuntimePool;
  /** CPU time per invocation is the manifest's timeoutMs capped by this. */
  maxCpuMs?: number;
  /**
   * Event-triggered runs one installation may start: a burst, then a steady rate. Past it
   * the runs are refused (and recorded), so a plugin that feeds on its own fan-out stops.
   */
  eventRate?: { burst: number; perSecond: number };
}

/** Default event-trigger rate per installation: generous for real work, finite for a loop. */
export const defaultEventRate = { burst: 1_000, perSecond: 50 };

type Caller = Pick<AuthenticatedUser, 'id' | 'claims'>;
export type TriggerKind = 'event' | 'schedule' | 'manual';

export interface RunResult {
  runId: string;
  outcome: 'ok' | 'error' | 'timeout' | 'memory' | 'killed' | 'refused';
  result: unknown;
  error: string | null;
  durationMs: number;
}

interface Loaded {
  row: InstallationRow;
  manifest: PluginManifest;
  handles: Map<string, CredentialBinding>;
  meta: unknown;
}

const view = (row: InstallationRow) => {
  const manifest = row.manifest as PluginManifest;
  return {
    id: row.plugin_id,
    name: manifest.name,
    version: row.version,
    description: manifest.description,
    status: row.status,
    statusReason: row.status_reason,
    permissions: manifest.permissions,
    triggers: manifest.triggers,
    credentials: manifest.credentials.map((c) => ({
      ...c,
      boundTo: row.credential_bindings[c.name]?.credentialId ?? null,
    })),
    config: row.config,
    configFields: manifest.config,
    installedAt: new Date(row.installed_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
};
export type PluginView = ReturnType<typeof view>;

export function createPluginsService(deps: PluginsServiceDeps) {
  const { db, repository: repo, policy, pool } = deps;
  const eventRate = createTokenBuckets(deps.eventRate ?? defaultEventRate);
  const loaded = new Map<string, Loaded>();
  const triggerIndex = new Map<string, { pluginId: string; patterns: string[] }[]>();
  const key = (ownerId: string, pluginId: string) => `${ownerId}/${pluginId}`;
  const claimsOf = (ownerId: string) =>
    ({ role: 'authenticated', sub: ownerId }) as RequestClaims & { sub: string; role: 'authenticated' };

  function changed(ownerId: string, pluginId: string) {
    loaded.delete(key(ownerId, pluginId));
    triggerIndex.delete(ownerId);
    pool.evict(key(ownerId, pluginId));
  }
  policy.onGrantsChanged((ownerId, principal) => {
    if (principal.kind === 'plugin') loaded.delete(key(ownerId, principal.id));
  });
  const asPlugin = (pluginId: string) => ({ kind: 'plugin' as const, id: pluginId });

  // Run records and policy decisions: group commit. One batch is written at a time, in one
  // transaction; what arrives meanwhile goes into the next. Each invocation waits for the
  // batch holding its records, so nothing is acknowledged before it is committed.
  type RunRow = Parameters<PluginsRepository['insertRuns']>[1][number];
  type Batch = { runs: RunRow[]; events: NewEvent[]; waiters: { resolve: () => void; reject: (e: unknown) => void }[] };
  const maxBatch = 500;
  const queued: Batch[] = [];
  let writing = false;
  async function writeBatches() {
    // Let the invocations finishing in this turn of the event loop join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (;;) {
      const batch = queued.shift();
      if (!batch) {
        writing = false;
        return;
      }
      try {
        await db.asSystem(async (tx) => {
          await repo.insertRuns(tx, batch.runs);
          if (batch.events.length > 0) await deps.outbox.appendMany(tx, batch.events);
        });
        for (const waiter of batch.waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of batch.waiters) waiter.reject(error);
      }
    }
  }
  function record(run: RunRow, events: NewEvent[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let batch = queued.at(-1);
      if (!batch || batch.runs.length >= maxBatch) queued.push((batch = { runs: [], events: [], waiters: [] }));
      batch.runs.push(run);
      batch.events.push(...events);
      batch.waiters.push({ resolve, reject });
      if (!writing) {
        writing = true;
        void writeBatches();
      }
    });
  }

  async function load(ownerId: string, pluginId: string): Promise<Loaded> {
    const cached = loaded.get(key(ownerId, pluginId));
    if (cached) return cached;
    const row = await db.asSystem((tx) => repo.get(tx, ownerId, pluginId));
    if (!row) throw new NotFoundError('plugin');
    const manifest = row.manifest as PluginManifest;
    const handles = new Map<string, CredentialBinding>();
    const credentials: Record<string, { handle: string; type: string; public: Record<string, string> }> = {};
    for (const declared of manifest.credentials) {
      const binding = row.credential_bindings[declared.name];
      if (!binding) continue;
      handles.set(binding.handle, { credentialId: binding.credentialId, type: declared.type, name: declared.name });
      const unsealed = await deps.wallet.unseal(ownerId, binding.credentialId);
      const pub: Record<string, string> = {};
      const provider = providerRegistry.get(declared.type);
      if (unsealed && provider)
        for (const field of publicFieldsOf(provider))
          pub[field] = String((unsealed.secret as Record<string, unknown>)[field] ?? '');
      credentials[declared.name] = { handle: binding.handle, type: declared.type, public: pub };
    }
    const meta = { plugin: { id: pluginId, version: row.version }, config: { values: row.config, credentials } };
    const entry = { row, manifest, handles, meta };
    loaded.set(key(ownerId, pluginId), entry);
    return entry;
  }

  async function run(
    ownerId: string,
    pluginId: string,
    trigger: TriggerKind,
    input: unknown,
    triggerRef: string | null,
    requires?: string,
    /** The event it reacts to, or (a rule's step) the acting rule with the event it reacts to, if any. */
    cause?: Pick<EventEnvelope, 'id' | 'actor'> | { id?: undefined; actor: Actor },
  ): Promise<RunResult> {
    const inst = await load(ownerId, pluginId);
    // What the plugin does carries its causation: one step deeper than the event (or rule) it reacts to.
    const actor: Actor = cause?.id
      ? reactingTo({ id: cause.id, actor: cause.actor }, { kind: 'plugin', id: pluginId })
      : { kind: 'plugin', id: pluginId, depth: (cause?.actor.depth ?? 0) + 1 };
    const runId = uuidv7();
    const startedAt = new Date();
    const t0 = performance.now();
    const granted = await policy.grantsFor(ownerId, asPlugin(pluginId));
    const decisions = policy.decisionLog(ownerId, asPlugin(pluginId), inst.manifest.permissions, granted);
    let outcome: RunResult['outcome'] = 'ok';
    let result: unknown = null;
    let error: string | null = null;
    if (inst.row.status !== 'enabled') {
      outcome = 'refused';
      error =
        inst.row.status === 'pending_consent'
          ? 'The plugin waits for its user to consent to its permissions.'
          : 'The plugin is disabled.';
      decisions.refuse(`run:${trigger}`, 'run', inst.row.status, triggerRef);
    } else if (requires !== undefined && !decisions.check(requires, 'trigger', triggerRef)) {
      outcome = 'refused';
      error = `Not granted: ${requires}.`;
    } else if (cause && (cause.actor.depth ?? 0) >= maxCausationDepth) {
      outcome = 'refused';
      error = `Loop guard: this event is ${maxCausationDepth} automated reactions away from anything a person did, so it triggers nothing more.`;
    } else if (cause && !eventRate.take(key(ownerId, pluginId))) {
      outcome = 'refused';
      const rate = deps.eventRate ?? defaultEventRate;
      error = `Rate limit: the plugin was triggered by more events than it may run (${rate.burst} at once, then ${rate.perSecond} a second); this event was skipped.`;
    } else {
      try {
        const limits = {
          memoryMb: inst.manifest.limits.memoryMb,
          cpuMs: Math.min(inst.manifest.limits.timeoutMs, deps.maxCpuMs ?? 5_000),
          wallMs: inst.manifest.limits.timeoutMs * 2,
        };
        const session = deps.actions.session(decisions, { credentials: inst.handles });
        const dispatch = createHostDispatch(deps.actions, { ownerId, pluginId, actor, session });
        const bundle = {
          key: key(ownerId, pluginId),
          sha: inst.row.bundle_sha256,
          source: inst.row.bundle,
          limits,
          pluginId,
          ownerId,
          globals: inst.manifest.globals ?? [],
        };
        result = await pool.invoke(bundle, trigger, input, inst.meta, dispatch);
      } catch (e) {
        if (e instanceof PluginInvocationError) {
          outcome = e.outcome;
          error = e.message;
        } else {
          outcome = 'error';
          error = 'The hub failed to run the plugin.';
          deps.logger.error({ err: e, pluginId, ownerId }, 'plugin invocation failed in the host');
        }
      }
    }
    const durationMs = performance.now() - t0;
    await record(
      {
        id: runId,
        ownerId,
        pluginId,
        version: inst.row.version,
        trigger,
        triggerRef,
        startedAt: startedAt.toISOString(),
        durationMs,
        outcome,
        error: error?.slice(0, 1000) ?? null,
      },
      decisions.drain(),
    );
    if (outcome !== 'ok')
      deps.logger.warn({ pluginId, ownerId, trigger, outcome, runId }, 'plugin run did not succeed');
    return { runId, outcome, result: outcome === 'ok' ? result : null, error, durationMs };
  }

  async function emit<Type extends PluginLifecycleType>(
    tx: Parameters<EventOutbox['append']>[0],
    caller: Caller,
    type: Type,
    pluginId: string,
    data: Omit<EventData<Type>, 'pluginId'>,
  ) {
    const event = {
      type,
      ownerId: caller.id,
      subject: pluginId,
      actor: { kind: 'user' as const, id: caller.id },
      data: { pluginId, ...data },
    };
    // The signature checks each call; TypeScript cannot relate a generic type to its payload here.
    await deps.outbox.append(tx, event as NewEvent<PluginLifecycleType>);
  }

  async function index(ownerId: string) {
    let entries = triggerIndex.get(ownerId);
    if (!entries) {
      const rows = await db.asSystem((tx) => repo.list(tx, ownerId));
      entries = rows
        .filter((r) => r.status === 'enabled')
        .map((r) => ({
          pluginId: r.plugin_id,
          patterns: (r.manifest as PluginManifest).triggers.flatMap((t) => (t.type === 'event' ? t.events : [])),
        }))
        .filter((e) => e.patterns.length > 0);
      triggerIndex.set(ownerId, entries);
    }
    return entries;
  }

  return {
    run,

    async list(caller: Caller) {
      return (await db.asUser(caller.claims, (tx) => repo.list(tx, caller.id))).map(view);
    },

    async get(caller: Caller, pluginId: string) {
      const row = await db.asUser(caller.claims, (tx) => repo.get(tx, caller.id, pluginId));
      if (!row) throw new NotFoundError('plugin');
      return view(row);
    },

    async install(caller: Caller, pkg: PluginPackage) {
      const { manifest } = pkg;
      const needsConsent = manifest.permissions.length > 0 || manifest.credentials.length > 0;
      const row = await db.asUser(caller.claims, async (tx) => {
        if (await repo.get(tx, caller.id, manifest.id))
          throw new ConflictError(`${manifest.id} is installed already: upgrade it instead.`, 'plugin_installed');
        const inserted = await repo.insert(tx, {
          owner_id: caller.id,
          plugin_id: manifest.id,
          version: manifest.version,
          manifest,
          bundle: pkg.bundle,
          bundle_sha256: pkg.sha256,
          status: needsConsent ? 'pending_consent' : 'enabled',
        });
        await emit(tx, caller, 'plugin.Installed', manifest.id, {
          version: manifest.version,
          permissions: manifest.permissions,
        });
        return inserted;
      });
      changed(caller.id, manifest.id);
      return view(row);
    },

    /**
     * The user's consent: the permissions they grant (each must be declared), config
     * values and which wallet credential fills each declared credential slot.
     */
    async consent(
      caller: Caller,
      pluginId: string,
      input: {
        permissions: string[];
        config?: Record<string, string | number | boolean>;
        credentials?: Record<string, string>;
      },
    ) {
      const current = await db.asUser(caller.claims, (tx) => repo.get(tx, caller.id, pluginId));
      if (!current) throw new NotFoundError('plugin');
      const manifest = current.manifest as PluginManifest;
      const undeclared = input.permissions.filter((p) => !manifest.permissions.includes(p));
      if (undeclared.length > 0)
        throw new ValidationError(
          `The plugin does not ask for ${undeclared.join(', ')}: only declared permissions can be granted.`,
        );
      const config: Record<string, string | number | boolean> = {};
      for (const [name, field] of Object.entries(manifest.config)) {
        const value = input.config?.[name] ?? current.config[name] ?? field.default;
        if (value === undefined) continue;
        if (typeof value !== field.type) throw new ValidationError(`Config ${name} must be a ${field.type}.`);
        config[name] = value;
      }
      const bindings: InstallationRow['credential_bindings'] = {};
      for (const declared of manifest.credentials) {
        const credentialId =
          input.credentials?.[declared.name] ?? current.credential_bindings[declared.name]?.credentialId;
        if (!credentialId) continue;
        const credential = await deps.wallet.describe(caller.id, credentialId);
        if (!credential || credential.type !== declared.type)
          throw new ValidationError(`Credential ${declared.name} must be one of your ${declared.type} credentials.`);
        bindings[declared.name] = {
          credentialId,
          handle: current.credential_bindings[declared.name]?.handle ?? `cred_${randomBytes(12).toString('hex')}`,
        };
      }
      // Grants, configuration and the Enabled event commit together or not at all.
      const row = await db.asUser(caller.claims, async (tx) => {
        const previous = (await policy.listGrants(caller, asPlugin(pluginId), tx)).map((g) => g.permission);
        const toRevoke = previous.filter((p) => !input.permissions.includes(p));
        if (toRevoke.length > 0) await policy.revoke(caller, asPlugin(pluginId), toRevoke, tx);
        await policy.grant(caller, asPlugin(pluginId), input.permissions, tx);
        const updated = await repo.configure(tx, caller.id, pluginId, config, bindings, 'enabled');
        if (!updated) throw new NotFoundError('plugin');
        await emit(tx, caller, 'plugin.Enabled', pluginId, {});
        return updated;
      });
      policy.invalidate(caller.id, asPlugin(pluginId));
      changed(caller.id, pluginId);
      return view(row);
    },

    /**
     * Takeout restore (modules/portability), in the caller's transaction: the archived
     * manifest and bundle installed again (validated as any package), waiting for consent
     * whatever it asks (nothing is granted), with the config values the manifest still
     * declares (of the declared type) and no credential bindings (credentials are not in a
     * takeout); then its key-value storage. A ValidationError or ConflictError
     * (`plugin_installed`) is raised before anything is written.
     */
    async restore(
      tx: Sql,
      caller: Caller,
      input: {
        manifest: unknown;
        bundle: string;
        config: Record<string, unknown>;
        storage: readonly { key: string; value: unknown }[];
      },
    ) {
      const pkg = validatePackage(input.manifest, input.bundle);
      if (input.storage.length > actionLimits.storageKeys)
        throw new ValidationError(`A plugin may store at most ${actionLimits.storageKeys} keys.`);
      const storage = input.storage.map((entry) => {
        const text = JSON.stringify(entry.value ?? null);
        if (entry.key.length < 1 || entry.key.length > 200 || text.length > actionLimits.storageValueChars)
          throw new ValidationError(`Storage key "${entry.key.slice(0, 200)}" or its value is too long.`);
        return { key: entry.key, text };
      });
      const { manifest } = pkg;
      if (await repo.get(tx, caller.id, manifest.id))
        throw new ConflictError(`${manifest.id} is installed already.`, 'plugin_installed');
      const config: Record<string, string | number | boolean> = {};
      const dropped: string[] = [];
      for (const [name, value] of Object.entries(input.config)) {
        const field = manifest.config[name];
        if (field && typeof value === field.type) config[name] = value as string | number | boolean;
        else dropped.push(name);
      }
      await repo.insert(tx, {
        owner_id: caller.id,
        plugin_id: manifest.id,
        version: manifest.version,
        manifest,
        bundle: pkg.bundle,
        bundle_sha256: pkg.sha256,
        status: 'pending_consent',
      });
      await repo.configure(tx, caller.id, manifest.id, config, {}, 'pending_consent');
      for (const entry of storage)
        await repo.storageSet(tx, caller.id, manifest.id, entry.key, entry.text, actionLimits.storageKeys);
      await emit(tx, caller, 'plugin.Installed', manifest.id, {
        version: manifest.version,
        permissions: manifest.permissions,
      });
      return {
        pluginId: manifest.id,
        version: manifest.version,
        permissions: manifest.permissions,
        credentials: manifest.credentials.map((c) => c.name),
        droppedConfig: dropped,
      };
    },

    async setEnabled(caller: Caller, pluginId: string, enabled: boolean) {
      const row = await db.asUser(caller.claims, async (tx) => {
        const current = await repo.get(tx, caller.id, pluginId);
        if (!current) throw new NotFoundError('plugin');
        if (enabled && current.status === 'pending_consent')
          throw new ConflictError(
            'The plugin waits for your consent to its permissions: consent first.',
            'consent_required',
          );
        const updated = await repo.setStatus(tx, caller.id, pluginId, enabled ? 'enabled' : 'disabled');
        if (enabled) await emit(tx, caller, 'plugin.Enabled', pluginId, {});
        else await emit(tx, caller, 'plugin.Disabled', pluginId, { reason: 'by user' });
        return updated!;
      });
      changed(caller.id, pluginId);
      return view(row);
    },

    /** New version: if it asks for more than was granted, it waits for consent again. */
    async upgrade(caller: Caller, pluginId: string, pkg: PluginPackage) {
      if (pkg.manifest.id !== pluginId)
        throw new ValidationError(`The package is ${pkg.manifest.id}, not ${pluginId}.`);
      // The new version and the grants it no longer asks for change together or not at all.
      const row = await db.asUser(caller.claims, async (tx) => {
        const current = await repo.get(tx, caller.id, pluginId);
        if (!current) throw new NotFoundError('plugin');
        const granted = (await policy.listGrants(caller, asPlugin(pluginId), tx)).map((g) => g.permission);
        const dropped = granted.filter((p) => !pkg.manifest.permissions.includes(p));
        if (dropped.length > 0) await policy.revoke(caller, asPlugin(pluginId), dropped, tx);
        const grows = pkg.manifest.permissions.some((p) => !granted.includes(p));
        const newSlots = pkg.manifest.credentials.some((c) => !current.credential_bindings[c.name]);
        const status = grows || newSlots ? 'pending_consent' : current.status;
        const updated = await repo.upgrade(tx, {
          owner_id: caller.id,
          plugin_id: pluginId,
          version: pkg.manifest.version,
          manifest: pkg.manifest,
          bundle: pkg.bundle,
          bundle_sha256: pkg.sha256,
          status,
        });
        await emit(tx, caller, 'plugin.Upgraded', pluginId, {
          from: current.version,
          to: pkg.manifest.version,
          permissions: pkg.manifest.permissions,
        });
        return updated;
      });
      policy.invalidate(caller.id, asPlugin(pluginId));
      changed(caller.id, pluginId);
      return view(row);
    },

    /** Removes the plugin, its grants, storage and run log, in one transaction. */
    async uninstall(caller: Caller, pluginId: string) {
      await db.asUser(caller.claims, async (tx) => {
        await policy.revoke(caller, asPlugin(pluginId), 'all', tx);
        if (!(await repo.delete(tx, caller.id, pluginId))) throw new NotFoundError('plugin');
        await emit(tx, caller, 'plugin.Uninstalled', pluginId, {});
      });
      policy.invalidate(caller.id, asPlugin(pluginId));
      changed(caller.id, pluginId);
    },

    async runs(caller: Caller, pluginId: string, limit: number) {
      const rows = await db.asUser(caller.claims, (tx) => repo.runs(tx, caller.id, pluginId, limit));
      return rows.map((r) => ({
        id: r.id,
        version: r.version,
        trigger: r.trigger,
        triggerRef: r.trigger_ref,
        startedAt: new Date(r.started_at).toISOString(),
        durationMs: Math.round(Number(r.duration_ms) * 1000) / 1000,
        outcome: r.outcome,
        error: r.error,
      }));
    },

    async runManually(caller: Caller, pluginId: string, input: unknown) {
      const row = await db.asUser(caller.claims, (tx) => repo.get(tx, caller.id, pluginId));
      if (!row) throw new NotFoundError('plugin');
      if (!(row.manifest as PluginManifest).triggers.some((t) => t.type === 'manual'))
        throw new ConflictError('This plugin has no manual trigger.', 'no_manual_trigger');
      return run(caller.id, pluginId, 'manual', input, null);
    },

    /**
     * Called every minute by the jobs module's cron: runs each enabled plugin's schedule
     * triggers whose cron expression matches this minute (UTC).
     */
    async runDueSchedules(at: Date): Promise<RunResult[]> {
      const rows = await db.asSystem((tx) => repo.listEnabled(tx));
      const results: RunResult[] = [];
      for (const row of rows) {
        for (const trigger of (row.manifest as PluginManifest).triggers) {
          if (trigger.type !== 'schedule') continue;
          let due = false;
          try {
            due = parseCron(trigger.cron)(at);
          } catch {
            continue;
          }
          if (due)
            results.push(
              await run(
                row.owner_id,
                row.plugin_id,
                'schedule',
                { name: trigger.name, firedAt: at.toISOString() },
                trigger.name,
              ),
            );
        }
      }
      return results;
    },

    /**
     * Event triggers: every enabled plugin of the event's owner whose manifest listens to
     * this type, and whose user granted events:subscribe for it, runs with a copy of it.
     */
    async dispatchEvent(event: EventEnvelope): Promise<RunResult[]> {
      if (event.type.startsWith('plugin.') || event.type.startsWith('policy.')) return [];
      const entries = (await index(event.ownerId)).filter((e) => e.patterns.some((p) => matchesPattern(p, event.type)));
      const source = ((event.data as { entity?: { source?: unknown } }).entity?.source ?? null) as string | null;
      const input = { id: event.id, type: event.type, subject: event.subject, time: event.time, data: event.data };
      // Different plugins run side by side (each in its own isolate). A plugin never reacts to
      // what it did itself, nor to changes of entities it made; longer loops through other
      // plugins stop at the depth guard in run().
      const self = (pluginId: string) =>
        (event.actor.kind === 'plugin' && event.actor.id === pluginId) || source === `plugin.${pluginId}`;
      return Promise.all(
        entries
          .filter((entry) => !self(entry.pluginId))
          .map((entry) =>
            run(event.ownerId, entry.pluginId, 'event', input, event.id, `events:subscribe:${event.type}`, event),
          ),
      );
    },

    claimsOf,

    /**
     * The plugin runtime went down while this plugin ran (runtime/strikes.ts decides who
     * is to blame): disabled, with a plugin.Disabled event and a notice to its user.
     */
    async disableAfterCrash(ownerId: string, pluginId: string, reason: string): Promise<boolean> {
      const actor = { kind: 'system' as const, id: 'plugin-runtime' };
      const disabled = await db.asUser(claimsOf(ownerId), async (tx) => {
        const current = await repo.get(tx, ownerId, pluginId);
        if (!current || current.status !== 'enabled') return false;
        await repo.setStatus(tx, ownerId, pluginId, 'disabled', `${reason}.`);
        const at = { ownerId, subject: pluginId, actor };
        await deps.outbox.append(tx, { ...at, type: 'plugin.Disabled', data: { pluginId, reason } });
        await deps.outbox.append(tx, {
          ...at,
          type: 'plugin.Notification',
          data: {
            pluginId,
            title: `${(current.manifest as PluginManifest).name} was disabled`,
            body: `${reason}. Enable it again once it is fixed or updated.`,
          },
        });
        return true;
      });
      if (disabled) changed(ownerId, pluginId);
      return disabled;
    },
  };
}

export type PluginsService = ReturnType<typeof createPluginsService>;
