'use server';
import { revalidatePath } from 'next/cache';
import { HubError } from '@/lib/errors';
import type { ActionResult } from '@/lib/hub';
import * as api from '@/lib/settings/api';
import { CredentialFormValuesSchema, parseCredentialForm, type CredentialFormValues } from '@/lib/settings/credentials';
import type { ConsentInput, CredentialView, PluginView, RunResult, TestResult } from '@/lib/settings/model';

const GONE = {
  credential:
    'This credential no longer exists. It may have been removed in another window: reload to see your wallet.',
  plugin: 'This plugin is no longer installed. It may have been removed in another window: reload to see your plugins.',
  grant: 'This permission was already taken back, perhaps in another window: reload to see your grants.',
};

/** Like `attempt`, with "not found" said about the thing the person was working on. */
async function act<T>(gone: keyof typeof GONE, fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await fn() };
  } catch (error) {
    if (error instanceof HubError)
      return { ok: false, error: error.status === 404 ? GONE[gone] : error.message, code: error.code };
    throw error;
  }
}

function refreshWallet() {
  revalidatePath('/settings/credentials');
  revalidatePath('/settings/capabilities');
  revalidatePath('/settings/plugins', 'layout');
}

function refreshPlugins() {
  revalidatePath('/settings/plugins', 'layout');
  revalidatePath('/settings/grants');
}

// Validated here too: a Server Action is a public endpoint, whatever the form checked.
const invalid = (fieldErrors: Record<string, string>): ActionResult<never> => ({
  ok: false,
  error: 'Some fields need attention.',
  fieldErrors,
});

function parse(values: CredentialFormValues) {
  const shape = CredentialFormValuesSchema.safeParse(values);
  if (!shape.success)
    return {
      ok: false as const,
      fieldErrors: { name: 'The form sent something unexpected: reload the page and try again.' },
    };
  return parseCredentialForm(shape.data);
}

export async function addCredentialAction(values: CredentialFormValues): Promise<ActionResult<CredentialView>> {
  const parsed = parse(values);
  if (!parsed.ok) return invalid(parsed.fieldErrors);
  const result = await act('credential', () => api.createCredential(parsed.data));
  if (result.ok) refreshWallet();
  return result;
}

export async function replaceCredentialAction(
  credentialId: string,
  values: CredentialFormValues,
): Promise<ActionResult<CredentialView>> {
  const parsed = parse(values);
  if (!parsed.ok) return invalid(parsed.fieldErrors);
  const result = await act('credential', () => api.replaceCredential(credentialId, parsed.data));
  if (result.ok) refreshWallet();
  return result;
}

export async function removeCredentialAction(credentialId: string): Promise<ActionResult> {
  const result = await act('credential', async () => {
    await api.deleteCredential(credentialId);
    return undefined;
  });
  if (result.ok) refreshWallet();
  return result;
}

export async function testCredentialAction(credentialId: string): Promise<ActionResult<TestResult>> {
  const result = await act('credential', () => api.testCredential(credentialId));
  revalidatePath('/settings/credentials');
  return result;
}

export async function consentPluginAction(pluginId: string, input: ConsentInput): Promise<ActionResult<PluginView>> {
  const result = await act('plugin', () => api.consentPlugin(pluginId, input));
  if (result.ok) refreshPlugins();
  return result;
}

export async function setPluginEnabledAction(pluginId: string, enabled: boolean): Promise<ActionResult<PluginView>> {
  const result = await act('plugin', () => api.setPluginEnabled(pluginId, enabled));
  if (result.ok) refreshPlugins();
  return result;
}

export async function uninstallPluginAction(pluginId: string): Promise<ActionResult> {
  const result = await act('plugin', async () => {
    await api.uninstallPlugin(pluginId);
    return undefined;
  });
  if (result.ok) refreshPlugins();
  return result;
}

export async function runPluginAction(pluginId: string): Promise<ActionResult<RunResult>> {
  const result = await act('plugin', () => api.runPlugin(pluginId));
  revalidatePath(`/settings/plugins/${pluginId}`);
  return result;
}

export async function revokeGrantAction(pluginId: string, permission: string): Promise<ActionResult<string[]>> {
  const result = await act('plugin', () => api.revokeGrant(pluginId, permission));
  if (result.ok) refreshPlugins();
  return result;
}

/** Revokes a grant of a rule, connector or assistant (plugins: revokeGrantAction). */
export async function revokePrincipalGrantAction(
  kind: 'rule' | 'connector' | 'ai',
  principalId: string,
  permission: string,
): Promise<ActionResult<string[]>> {
  if (!['rule', 'connector', 'ai'].includes(kind))
    return { ok: false, error: 'Only rules, connectors and assistants are revoked here.', code: 'validation_failed' };
  const result = await act('grant', () => api.revokePrincipalGrant(kind, principalId, permission));
  if (result.ok) revalidatePath('/settings/grants');
  return result;
}
