import type { ProviderCapability, ProviderDefinition, ProviderField, SecretValues } from './types.ts';

/** A provider id: lowercase, as stored with each credential (the database checks this shape only). */
export const providerIdPattern = /^[a-z][a-z0-9-]{1,39}$/;
/** A capability name: sms, ai.cloud, ... */
export const capabilityNamePattern = /^[a-z][a-z0-9.-]{0,39}$/;

export interface ProviderRegistry {
  /** Adds a provider. Register before the hub is composed: its routes are built from the list. */
  register(provider: ProviderDefinition): void;
  has(id: string): boolean;
  get(id: string): ProviderDefinition | undefined;
  /** The provider, or an error that names the unknown id (a bug: ids are validated at the door). */
  require(id: string): ProviderDefinition;
  /** In registration order: the order forms offer them in. */
  list(): readonly ProviderDefinition[];
  ids(): string[];
  /** Every capability, once, in the order providers declare them (the first declaration's texts). */
  capabilities(): ProviderCapability[];
  /** The providers that enable a capability. */
  providersOf(capability: string): ProviderDefinition[];
}

export function createProviderRegistry(initial: readonly ProviderDefinition[] = []): ProviderRegistry {
  const providers = new Map<string, ProviderDefinition>();
  const registry: ProviderRegistry = {
    register(provider) {
      if (!providerIdPattern.test(provider.id))
        throw new Error(`Provider id "${provider.id}" must match ${providerIdPattern}.`);
      if (providers.has(provider.id)) throw new Error(`Provider "${provider.id}" is registered twice.`);
      for (const c of provider.capabilities)
        if (!capabilityNamePattern.test(c.name))
          throw new Error(`Capability "${c.name}" of ${provider.id} must match ${capabilityNamePattern}.`);
      for (const f of provider.fields)
        if (f.kind === 'record' && !f.rows) throw new Error(`Record field ${provider.id}.${f.name} needs rows.`);
      providers.set(provider.id, provider);
    },
    has: (id) => providers.has(id),
    get: (id) => providers.get(id),
    require(id) {
      const provider = providers.get(id);
      if (!provider) throw new Error(`No provider "${id}" is registered.`);
      return provider;
    },
    list: () => [...providers.values()],
    ids: () => [...providers.keys()],
    capabilities() {
      const seen = new Map<string, ProviderCapability>();
      for (const p of providers.values()) for (const c of p.capabilities) if (!seen.has(c.name)) seen.set(c.name, c);
      return [...seen.values()];
    },
    providersOf: (capability) => registry.list().filter((p) => p.capabilities.some((c) => c.name === capability)),
  };
  for (const provider of initial) registry.register(provider);
  return registry;
}

/** Fields that are copied to plugins in clear and shown masked: checked for smuggled secrets. */
export function publicFieldsOf(provider: ProviderDefinition): string[] {
  return provider.fields.filter((f) => f.public).map((f) => f.name);
}

/** The capability's entry in this provider (needsConnection differs per provider). */
export function capabilityOf(provider: ProviderDefinition, name: string): ProviderCapability | undefined {
  return provider.capabilities.find((c) => c.name === name);
}

/** The hosts a credential's secret may be sent to: the provider's, or the ones its secret lists. */
export function allowedHostsOf(provider: ProviderDefinition, secret: SecretValues): string[] {
  const { hosts } = provider.send;
  if (Array.isArray(hosts)) return [...hosts];
  const listed = secret[(hosts as { field: string }).field];
  return Array.isArray(listed) ? listed.filter((h): h is string => typeof h === 'string') : [];
}

function maskValue(field: ProviderField, value: string): string {
  if (field.kind !== 'url') return `${value.slice(0, 2)}…${value.slice(-4)}`;
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}`;
  } catch {
    return '…';
  }
}

/** Masked metadata: enough to recognise a credential, nothing that authorises anything. */
export function hintsOf(provider: ProviderDefinition, secret: SecretValues): Record<string, string> {
  const hints: Record<string, string> = {};
  for (const field of provider.fields) {
    const value = secret[field.name];
    if (field.public && typeof value === 'string') hints[field.name] = maskValue(field, value);
    else if (field.kind === 'record' && value && typeof value === 'object')
      hints[field.name] = Object.keys(value).join(', ');
    else if (field.kind === 'hosts' && Array.isArray(value)) hints[field.name] = value.join(', ');
  }
  return hints;
}
