import 'server-only';
import { grantsOverviewSchema, type GrantablePrincipalKind, type PrincipalKind } from '@made-open/shared/principals';
import { z } from 'zod';
import { HubError } from '@/lib/errors';
import { hubFetch } from '@/lib/hub';
import type { CredentialInput } from './credentials';
import {
  CapabilitySchema,
  CredentialViewSchema,
  GrantSchema,
  PLUGIN_ID,
  PluginViewSchema,
  RunResultSchema,
  RunViewSchema,
  TestResultSchema,
  type ConsentInput,
  type Grant,
  type PluginView,
} from './model';

/** The hub's wallet, capabilities, plugins and grants APIs, as the signed-in user. */

const id = (value: string) => encodeURIComponent(value);

/** A malformed plugin id can only be a wrong link: answer as the hub does for unknown ones. */
function pluginPath(pluginId: string, rest = ''): string {
  if (!PLUGIN_ID.test(pluginId)) throw new HubError(404, 'not_found', 'This plugin is not installed.');
  return `/plugins/${id(pluginId)}${rest}`;
}

export async function listCredentials() {
  return z.object({ credentials: z.array(CredentialViewSchema) }).parse(await hubFetch('/credentials')).credentials;
}

export async function createCredential(input: CredentialInput) {
  return CredentialViewSchema.parse(await hubFetch('/credentials', { method: 'POST', body: input }));
}

export async function replaceCredential(credentialId: string, input: CredentialInput) {
  return CredentialViewSchema.parse(await hubFetch(`/credentials/${id(credentialId)}`, { method: 'PUT', body: input }));
}

export async function deleteCredential(credentialId: string): Promise<void> {
  await hubFetch(`/credentials/${id(credentialId)}`, { method: 'DELETE' });
}

export async function testCredential(credentialId: string) {
  return TestResultSchema.parse(await hubFetch(`/credentials/${id(credentialId)}/test`, { method: 'POST', body: {} }));
}

export async function listCapabilities() {
  return z.object({ capabilities: z.array(CapabilitySchema) }).parse(await hubFetch('/capabilities')).capabilities;
}

export async function listPlugins(): Promise<PluginView[]> {
  return z.object({ plugins: z.array(PluginViewSchema) }).parse(await hubFetch('/plugins')).plugins;
}

export async function getPlugin(pluginId: string): Promise<PluginView> {
  return PluginViewSchema.parse(await hubFetch(pluginPath(pluginId)));
}

/** A package: base64 of a .tgz, or a manifest object and its bundle (a folder's files). */
export type PluginPackageBody = { package: string } | { manifest: Record<string, unknown>; bundle: string };

export async function installPlugin(body: PluginPackageBody): Promise<PluginView> {
  return PluginViewSchema.parse(await hubFetch('/plugins', { method: 'POST', body }));
}

export async function upgradePlugin(pluginId: string, body: PluginPackageBody): Promise<PluginView> {
  return PluginViewSchema.parse(await hubFetch(pluginPath(pluginId), { method: 'PUT', body }));
}

export async function consentPlugin(pluginId: string, input: ConsentInput): Promise<PluginView> {
  return PluginViewSchema.parse(await hubFetch(pluginPath(pluginId, '/consent'), { method: 'POST', body: input }));
}

export async function setPluginEnabled(pluginId: string, enabled: boolean): Promise<PluginView> {
  return PluginViewSchema.parse(
    await hubFetch(pluginPath(pluginId, enabled ? '/enable' : '/disable'), { method: 'POST', body: {} }),
  );
}

export async function uninstallPlugin(pluginId: string): Promise<void> {
  await hubFetch(pluginPath(pluginId), { method: 'DELETE' });
}

export async function listRuns(pluginId: string, limit = 50) {
  return z
    .object({ runs: z.array(RunViewSchema) })
    .parse(await hubFetch(pluginPath(pluginId, '/runs'), { query: { limit } })).runs;
}

export async function runPlugin(pluginId: string, input: unknown = null) {
  return RunResultSchema.parse(await hubFetch(pluginPath(pluginId, '/run'), { method: 'POST', body: { input } }));
}

export async function listGrants(pluginId: string): Promise<Grant[]> {
  return z.object({ grants: z.array(GrantSchema) }).parse(await hubFetch(pluginPath(pluginId, '/grants'))).grants;
}

export async function revokeGrant(pluginId: string, permission: string): Promise<string[]> {
  return z
    .object({ revoked: z.array(z.string()) })
    .parse(await hubFetch(pluginPath(pluginId, '/grants'), { method: 'DELETE', query: { permission } })).revoked;
}

/** Every grant the user gave, grouped by principal (plugins, rules, connectors, assistants). */
export async function listAllGrants(kind?: PrincipalKind) {
  return grantsOverviewSchema.parse(await hubFetch('/grants', { query: kind ? { kind } : undefined })).principals;
}

export async function revokePrincipalGrant(
  kind: GrantablePrincipalKind | 'plugin',
  principalId: string,
  permission: string,
): Promise<string[]> {
  return z
    .object({ revoked: z.array(z.string()) })
    .parse(await hubFetch('/grants', { method: 'DELETE', query: { kind, id: principalId, permission } })).revoked;
}
