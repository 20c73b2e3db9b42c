import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { manifest } from './test/fixtures.ts';

/**
 * Consent, upgrade and uninstall each write grants and the installation together. A
 * database trigger makes the installation write fail after the grant write has run; the
 * whole operation must then leave grants, installation, storage and events as they were.
 */
describe.each(testDatabaseKinds())('plugin lifecycle writes in one transaction on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  const id = 'fail-midway';
  const permissions = ['entities:read:note', 'notify'];
  const bundle = 'module.exports = { run: () => 1 };';

  beforeAll(async () => {
    hub = await createTestHub(kind);
    alice = await signUpUser(hub);
    await hub.db.asOwner((tx) =>
      tx.exec(`
        CREATE FUNCTION made_open.test_fail_midway() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'forced failure after the grant write'; END $$;`),
    );
    const install = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/plugins',
      headers: bearer(alice),
      payload: { manifest: manifest(id, permissions), bundle },
    });
    expect(install.statusCode, install.body).toBe(201);
  }, 180_000);
  afterAll(() => hub?.close(), 180_000);

  /** Fails the next `operation` (UPDATE or DELETE) on this plugin's installation row until `off()`. */
  async function failOn(operation: 'UPDATE' | 'DELETE') {
    await hub.db.asOwner((tx) =>
      tx.exec(`CREATE TRIGGER fail_midway BEFORE ${operation} ON made_open.plugin_installations
        FOR EACH ROW WHEN (OLD.plugin_id = '${id}') EXECUTE FUNCTION made_open.test_fail_midway();`),
    );
    return () => hub.db.asOwner((tx) => tx.exec('DROP TRIGGER fail_midway ON made_open.plugin_installations;'));
  }

  async function state() {
    return hub.db.asSystem(async (tx) => {
      const one = async <R extends Record<string, unknown>>(sql: string) =>
        (await tx.query<R>(sql, [alice.id, id])).rows;
      return {
        grants: (
          await one<{ permission: string }>(
            `SELECT permission FROM made_open.grants WHERE owner_id = $1 AND principal_kind = 'plugin' AND principal_id = $2 ORDER BY 1`,
          )
        ).map((r) => r.permission),
        installation: (
          await one<{ version: string; status: string }>(
            `SELECT version, status FROM made_open.plugin_installations WHERE owner_id = $1 AND plugin_id = $2`,
          )
        )[0],
        storage: (
          await one<{ n: number }>(
            `SELECT count(*)::int AS n FROM made_open.plugin_storage WHERE owner_id = $1 AND plugin_id = $2`,
          )
        )[0]!.n,
        events: (
          await one<{ type: string }>(
            `SELECT type FROM made_open.outbox WHERE owner_id = $1 AND subject = $2 AND type LIKE 'plugin.%' ORDER BY id`,
          )
        ).map((r) => r.type),
      };
    });
  }

  const consent = () =>
    hub.app.inject({
      method: 'POST',
      url: `/api/v1/plugins/${id}/consent`,
      headers: bearer(alice),
      payload: { permissions },
    });

  it('consent: a failure after the grants leaves no grant and the plugin waiting for consent', async () => {
    const before = await state();
    expect(before.installation).toEqual({ version: '1.0.0', status: 'pending_consent' });
    const off = await failOn('UPDATE');
    const failed = await consent();
    await off();
    expect(failed.statusCode).toBe(500);
    expect(failed.body).not.toMatch(/forced failure|plugin_installations/);
    expect(await state()).toEqual(before);
    expect(before.grants).toEqual([]);

    const ok = await consent();
    expect(ok.statusCode, ok.body).toBe(200);
    const after = await state();
    expect(after.grants).toEqual(permissions);
    expect(after.installation).toEqual({ version: '1.0.0', status: 'enabled' });
    // The Policy Service's cache saw the commit: the grants are in force.
    const grants = await hub.app.inject({ method: 'GET', url: `/api/v1/plugins/${id}/grants`, headers: bearer(alice) });
    expect(grants.json().grants.map((g: { permission: string }) => g.permission)).toEqual(permissions);
  });

  it('upgrade: a failure after revoking the dropped grants keeps the old version and its grants', async () => {
    const before = await state();
    const upgrade = () =>
      hub.app.inject({
        method: 'PUT',
        url: `/api/v1/plugins/${id}`,
        headers: bearer(alice),
        payload: { manifest: { ...manifest(id, ['entities:read:note']), version: '2.0.0' }, bundle },
      });
    const off = await failOn('UPDATE');
    const failed = await upgrade();
    await off();
    expect(failed.statusCode).toBe(500);
    expect(await state()).toEqual(before);

    const ok = await upgrade();
    expect(ok.statusCode, ok.body).toBe(200);
    const after = await state();
    expect(after.grants).toEqual(['entities:read:note']);
    expect(after.installation).toEqual({ version: '2.0.0', status: 'enabled' });
    expect(after.events.slice(before.events.length)).toEqual(['plugin.GrantsChanged', 'plugin.Upgraded']);
  });

  it('uninstall: a failure after revoking every grant keeps grants, installation and storage', async () => {
    await hub.db.asSystem((tx) =>
      tx.query(`INSERT INTO made_open.plugin_storage (owner_id, plugin_id, key, value) VALUES ($1, $2, 'k', '1')`, [
        alice.id,
        id,
      ]),
    );
    const before = await state();
    expect(before.storage).toBe(1);
    const uninstall = () => hub.app.inject({ method: 'DELETE', url: `/api/v1/plugins/${id}`, headers: bearer(alice) });
    const off = await failOn('DELETE');
    const failed = await uninstall();
    await off();
    expect(failed.statusCode).toBe(500);
    expect(await state()).toEqual(before);

    expect((await uninstall()).statusCode).toBe(204);
    const after = await state();
    expect(after).toMatchObject({ grants: [], installation: undefined, storage: 0 });
    expect(after.events.slice(before.events.length)).toEqual(['plugin.GrantsChanged', 'plugin.Uninstalled']);
  });
});
