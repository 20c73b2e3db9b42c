import type { Sql } from '../../platform/db/index.ts';
import { UserError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { RestoreDeps, RestoreReport } from './portability.restore.ts';
import type { Held } from './portability.restore.lines.ts';

/** Rules come back disabled with every version; plugins wait for consent with their config and storage. */
export async function restoreRules(
  deps: RestoreDeps,
  tx: Sql,
  user: AuthenticatedUser,
  held: Held,
  report: RestoreReport,
) {
  for (const previousId of held.rules) {
    const versions = (held.versions.get(previousId) ?? []).sort((a, b) => a.version - b.version);
    try {
      const restored = await deps.rules.restore(tx, user, versions);
      report.counts.rules += 1;
      report.counts.ruleVersions += restored.versions;
      report.rules.push({
        id: restored.id,
        previousId,
        name: restored.name,
        versions: restored.versions,
        enabled: false,
        webhook: restored.webhook,
        permissions: restored.permissions,
        previouslyGranted: held.grants
          .filter((g) => g.principal_kind === 'rule' && g.principal_id === previousId)
          .map((g) => g.permission),
      });
    } catch (error) {
      // The rules service refuses a rule before it writes anything.
      if (!(error instanceof UserError)) throw error;
      const name = versions.at(-1)?.definition as { name?: unknown } | undefined;
      report.notRestored.push({
        kind: 'rule',
        name: typeof name?.name === 'string' ? name.name.slice(0, 200) : previousId,
        reason: error.message,
      });
    }
  }
}

export async function restorePlugins(
  deps: RestoreDeps,
  tx: Sql,
  user: AuthenticatedUser,
  held: Held,
  report: RestoreReport,
) {
  for (const installation of held.installations) {
    const storage = held.pluginStorage.get(installation.plugin_id) ?? [];
    try {
      const restored = await deps.plugins.restore(tx, user, {
        manifest: installation.manifest,
        bundle: installation.bundle,
        config: installation.config,
        storage,
      });
      report.counts.plugins += 1;
      report.counts.pluginStorageKeys += storage.length;
      report.plugins.push({
        pluginId: restored.pluginId,
        version: restored.version,
        status: 'pending_consent',
        config: Object.keys(installation.config).filter((k) => !restored.droppedConfig.includes(k)),
        storageKeys: storage.length,
        previouslyGranted: held.grants
          .filter((g) => g.principal_kind === 'plugin' && g.principal_id === restored.pluginId)
          .map((g) => g.permission),
        credentials: restored.credentials,
      });
      for (const key of restored.droppedConfig)
        report.notRestored.push({
          kind: 'plugin config',
          name: `${restored.pluginId}: ${key}`.slice(0, 200),
          reason: 'the plugin no longer declares this setting with this type',
        });
    } catch (error) {
      // The plugins service refuses a package before it writes anything.
      if (!(error instanceof UserError)) throw error;
      report.notRestored.push({ kind: 'plugin', name: installation.plugin_id, reason: error.message });
    }
  }
}
