import { isValidPermission } from '@made-open/plugin-sdk/manifest';
import { providerRegistry } from '@made-open/shared/providers';
import { isPrincipalId, principalIdHints, type PrincipalKind, type PrincipalRef } from '@made-open/shared/principals';
import { covers } from './policy.rules.ts';

/**
 * What each kind of principal may ask for: the ceiling on what its owner can grant it.
 * A user acts on their own data and needs no grant; a plugin's manifest declares its own
 * (the plugins module passes it in); rules, connectors and AI assistants declare here.
 */
// A rule may text or email for its owner (messages.send, messages.sendEmail) and call a webhook
// on any host (http.fetch) once the owner approved it when saving the rule: each host is its
// own grant (http:fetch:<host>); `http:fetch:*` is only this ceiling, never a grant.
const ruleDeclares = [
  'entities:read:*',
  'entities:write:*',
  'notify',
  'messages:send:sms',
  'messages:send:email',
  'http:fetch:*',
  // The owner's AI model writing a summary or a draft (ai.summarize, ai.draftReply): routed and audited like chat.
  'ai:generate',
  // Running one of the owner's plugins (plugins.run), which then acts with its own grants: each plugin
  // is its own grant (plugins:run:<pluginId>); `plugins:run:*` is only this ceiling, never a grant.
  'plugins:run:*',
] as const;
const aiDeclares = ['entities:read:*', 'entities:write:note', 'entities:write:task', 'notify'] as const;

/** A connector acts as its provider: it reads and writes the graph, and may use its provider's credential on its hosts. */
function connectorDeclares(providerId: string): string[] {
  const provider = providerRegistry.get(providerId);
  if (!provider) return [];
  const hosts = Array.isArray(provider.send.hosts) ? (provider.send.hosts as readonly string[]) : [];
  return [
    'entities:read:*',
    'entities:write:*',
    `credentials:${provider.id}`,
    ...hosts.map((host) => `http:fetch:${host}`),
  ];
}

export type Declared = readonly string[] | 'everything';

/** The kind's declaration, or undefined for a plugin (its manifest is the caller's to pass). */
export function declaredFor(principal: PrincipalRef): Declared | undefined {
  switch (principal.kind) {
    case 'user':
      return 'everything';
    case 'plugin':
      return undefined;
    case 'rule':
      return ruleDeclares;
    case 'ai':
      return aiDeclares;
    case 'connector':
      return connectorDeclares(principal.id);
  }
}

/**
 * Why `permission` cannot be granted to this principal, or null when it can: the id must
 * be well formed, the permission well spelled and within what the kind declares.
 */
export function grantRefusal(kind: PrincipalKind, id: string, permission: string): string | null {
  if (!isPrincipalId(kind, id)) return `The ${kind} id must be ${principalIdHints[kind]}.`;
  if (kind === 'connector' && !providerRegistry.get(id)) return `There is no provider named ${id.slice(0, 64)}.`;
  if (!isValidPermission(permission))
    return `${permission.slice(0, 200)} is not a permission (examples: entities:read:person, entities:write:note, notify).`;
  const declared = declaredFor({ kind, id });
  if (declared === 'everything') return null;
  if (!declared || !declared.some((held) => covers(held, permission)))
    return `A ${kind} cannot hold ${permission}: it may ask only for ${declared && declared.length > 0 ? declared.join(', ') : 'nothing'}.`;
  return null;
}
