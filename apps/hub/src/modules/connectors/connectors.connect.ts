import { providerRegistry } from '@made-open/shared/providers';
import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { UserError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { WalletService } from '../wallet/index.ts';
import type { AnyConnector, ConnectorError, ConnectResult } from './connectors.contract.ts';
import type { ConnectorRegistry } from './connectors.registry.ts';
import type { ConnectionInput } from './connectors.schemas.ts';

// The checks around connect(): before it (no call to the provider) and on what it returns.

/** connect() refused: the person changes the credential, the options or the account; or the provider failed (502: try again). */
export function connectRefused(error: ConnectorError) {
  return error.kind === 'provider'
    ? new UserError(502, 'provider_error', `${error.message} Try again in a moment.`)
    : new UserError(422, `connect_${error.kind}`, error.message);
}

export function checkResult(result: ConnectResult): Required<ConnectResult> {
  const state = result.state ?? {};
  if (typeof result.accountId !== 'string' || result.accountId.length < 1 || result.accountId.length > 300)
    throw new Error('connect() must return an accountId of 1 to 300 characters.');
  if (typeof result.label !== 'string' || result.label.length > 200)
    throw new Error('connect() must return a label of at most 200 characters.');
  if (JSON.stringify(state).length > 16_000) throw new Error('connect() returned more than 16 kB of state.');
  return { accountId: result.accountId, label: result.label, state };
}

/** Checks everything that needs no call to the provider; 4xx with what to change. */
export async function prepareConnection(
  deps: { registry: ConnectorRegistry; wallet: Pick<WalletService, 'describe'> },
  user: AuthenticatedUser,
  input: ConnectionInput,
) {
  const { registry, wallet } = deps;
  const provider = providerRegistry.get(input.provider);
  if (!provider)
    throw new ValidationError(
      `There is no provider "${input.provider}". Use one of: ${providerRegistry.ids().join(', ')}.`,
    );
  const connector = registry.get(input.provider);
  if (!connector)
    throw new UserError(
      400,
      'no_connector',
      `${provider.label} accounts cannot be connected yet: this hub has no connector for them.`,
    );
  const credential = await wallet.describe(user.id, input.credentialId);
  if (!credential)
    throw new UserError(
      400,
      'credential_not_found',
      'No credential with that id is in your wallet: add it there first.',
    );
  if (credential.type !== input.provider)
    throw new UserError(
      400,
      'credential_wrong_provider',
      `That credential is for ${credential.type}, not ${provider.label}: pick a ${provider.label} credential.`,
    );
  if (credential.lastTestOk === null)
    throw new UserError(
      400,
      'credential_untested',
      `Test “${credential.name}” in the wallet first: a connection needs a credential that passed its test.`,
    );
  if (credential.lastTestOk === false)
    throw new UserError(
      400,
      'credential_test_failed',
      `“${credential.name}” failed its last test (${credential.lastTestMessage ?? 'no reason given'}): fix it and test it again.`,
    );
  const options = connector.options.safeParse(input.options);
  if (!options.success) throw invalidOptions(options.error);
  const capabilities = [...(connector.configures?.(options.data) ?? connector.capabilities)];
  return { connector, credential, options: options.data, capabilities };
}

/** 400 naming each option that is wrong (paths under /options, as the request sent them). */
function invalidOptions(error: z.ZodError) {
  const details = error.issues.map((issue: z.core.$ZodIssue) => ({
    path: `/options/${issue.path.join('/')}`,
    message: issue.message,
  }));
  return new ValidationError(`The options are not valid: ${details[0]?.message ?? 'check them'}`, details);
}

/**
 * A change of a connection's options (PATCH /api/v1/connections/:id): only the connector's
 * editable options, the result checked whole by its schema. Returns the options to store and
 * the names of those whose value changed.
 */
export function reconfiguredOptions(connector: AnyConnector, stored: unknown, patch: Record<string, unknown>) {
  const editable = new Set<string>(connector.editableOptions ?? []);
  const fixed = Object.keys(patch).filter((name) => !editable.has(name));
  const label = providerRegistry.get(connector.provider)?.label ?? connector.provider;
  if (fixed.length > 0)
    throw new UserError(
      400,
      'option_fixed',
      editable.size === 0
        ? `${label} connections have no options to change after connecting: disconnect and connect again instead.`
        : `${fixed.join(', ')} cannot change after connecting (disconnect and connect again for that). You can change: ${[...editable].join(', ')}.`,
      fixed.map((name) => ({ path: `/options/${name}`, message: 'Fixed when the account was connected.' })),
    );
  const before = connector.options.safeParse(stored);
  const current = (before.success ? before.data : stored) as Record<string, unknown>;
  const next = connector.options.safeParse({ ...current, ...patch });
  if (!next.success) throw invalidOptions(next.error);
  const options = next.data as Record<string, unknown>;
  const changed = Object.keys(patch).filter((name) => !isDeepStrictEqual(current[name], options[name]));
  return { options, changed };
}
