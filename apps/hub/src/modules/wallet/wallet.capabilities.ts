import { capabilityOf, providerRegistry, type ProviderRegistry } from '@made-open/shared/providers';
import type { Capability } from '@made-open/shared/wallet-api';
import type { Sql } from '../../platform/db/index.ts';

/**
 * Capabilities: on only when a credential that enables one has passed its test and, where
 * its provider needs one, a connection is configured (a number, an account). Never on
 * because a credential merely exists: an untested key switches nothing on.
 */

/** Connections come from the connectors (modules/connectors); the wallet only asks which exist. */
export interface Connections {
  /**
   * The capabilities the owner's active connections configure, as "provider/capability" keys
   * (twilio/sms). Read in the wallet's transaction, under the owner's RLS.
   */
  connectionsFor(tx: Sql, ownerId: string): Promise<ReadonlySet<string>>;
}

/** No connections at all: for tools that build the wallet alone (key rotation) and its unit tests. */
export const noConnectionsYet: Connections = { connectionsFor: async () => new Set<string>() };

/** What the capabilities need to know about one credential. */
export interface CredentialTestState {
  type: string;
  name: string;
  lastTestOk: boolean | null;
}

const quoted = (names: string[]) => names.map((n) => `“${n}”`).join(', ');

export function capabilityViews(
  credentials: readonly CredentialTestState[],
  connected: ReadonlySet<string>,
  registry: ProviderRegistry = providerRegistry,
): Capability[] {
  return registry.capabilities().map(({ name }) => {
    const providers = registry.providersOf(name);
    const held = credentials.filter((c) => providers.some((p) => p.id === c.type));
    const passed = held.filter((c) => c.lastTestOk === true);
    const needsConnection = (type: string) => capabilityOf(registry.require(type), name)?.needsConnection;
    const ready = passed.filter((c) => !needsConnection(c.type) || connected.has(`${c.type}/${name}`));
    const off = (state: Capability['state'], reason: string): Capability => ({
      name,
      enabled: false,
      providedBy: [],
      state,
      reason,
    });
    if (ready.length > 0)
      return { name, enabled: true, providedBy: [...new Set(ready.map((c) => c.type))], state: 'on', reason: null };
    if (passed.length > 0) {
      const phrases = [...new Set(passed.map((c) => needsConnection(c.type)))];
      return off('needs_connection', `Needs ${phrases.join(' or ')}.`);
    }
    if (held.length === 0) return off('needs_credential', `Needs ${providers.map((p) => p.noun).join(' or ')}.`);
    // Passing a test is not enough where a connection is needed too: say so now, not after.
    const phrases = [...new Set(held.map((c) => needsConnection(c.type)))];
    const then = phrases.every(Boolean) ? ` Then it also needs ${phrases.join(' or ')}.` : '';
    const failed = held.filter((c) => c.lastTestOk === false);
    if (failed.length === held.length)
      return off(
        'test_failed',
        `${quoted(failed.map((c) => c.name))} failed ${failed.length === 1 ? 'its' : 'their'} last test: fix it and test again.${then}`,
      );
    const untested = held.filter((c) => c.lastTestOk === null);
    return off(
      'not_tested',
      `Test ${quoted(untested.map((c) => c.name))}: this switches on once a test passes.${then}`,
    );
  });
}

export const enabledNames = (views: readonly Capability[]) =>
  new Set(views.filter((v) => v.enabled).map((v) => v.name));
