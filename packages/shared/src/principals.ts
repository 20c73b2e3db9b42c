import { z } from 'zod';

/**
 * Who may act through the hub's actions (DESIGN §2): a person on their own data, or
 * something acting for them. Every kind is checked by the Policy Service the same way.
 */
export const principalKinds = ['user', 'plugin', 'rule', 'connector', 'ai'] as const;
export type PrincipalKind = (typeof principalKinds)[number];
export const principalKindSchema = z.enum(principalKinds);

/** Kinds a person grants permissions to through /api/v1/grants (plugins consent on their own screen). */
export const grantablePrincipalKinds = ['rule', 'connector', 'ai'] as const satisfies readonly PrincipalKind[];
export type GrantablePrincipalKind = (typeof grantablePrincipalKinds)[number];

/** How each kind's id is written: a plugin's manifest id, a provider id, a rule's or assistant's slug. */
export const principalIdPatterns: Record<PrincipalKind, RegExp> = {
  user: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  plugin: /^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/,
  rule: /^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$/,
  // A connector acts as its provider (twilio, microsoft, ...): the provider says what it may ask for.
  connector: /^[a-z][a-z0-9-]{0,62}[a-z0-9]$/,
  ai: /^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$/,
};

export const principalIdHints: Record<PrincipalKind, string> = {
  user: 'a user id (uuid)',
  plugin: 'a plugin id: lowercase letters, digits and dashes, 3 to 64 characters',
  rule: 'a rule name: lowercase letters, digits and dashes, 2 to 64 characters',
  connector: 'a provider id such as twilio or microsoft',
  ai: 'an assistant name: lowercase letters, digits and dashes, 2 to 64 characters',
};

export const principalLabels: Record<PrincipalKind, { one: string; many: string }> = {
  user: { one: 'You', many: 'You' },
  plugin: { one: 'Plugin', many: 'Plugins' },
  rule: { one: 'Rule', many: 'Rules' },
  connector: { one: 'Connector', many: 'Connectors' },
  ai: { one: 'Assistant', many: 'Assistants' },
};

export interface PrincipalRef {
  kind: PrincipalKind;
  id: string;
}

export function isPrincipalId(kind: PrincipalKind, id: string): boolean {
  return principalIdPatterns[kind].test(id);
}

/** One grant as the API returns it. */
export const grantSchema = z.object({ permission: z.string(), grantedAt: z.string() });

/** GET /api/v1/grants: every grant the caller gave, grouped by principal kind and id. */
export const grantsOverviewSchema = z.object({
  principals: z.array(
    z.object({
      kind: principalKindSchema,
      id: z.string(),
      grants: z.array(grantSchema),
    }),
  ),
});
export type GrantsOverview = z.infer<typeof grantsOverviewSchema>;

/** POST and DELETE /api/v1/grants. */
export const grantInputSchema = z.strictObject({
  kind: z.enum(grantablePrincipalKinds, {
    error:
      'The kind must be rule, connector or ai (a plugin is granted on its consent screen; you need no grant for your own data).',
  }),
  id: z.string({ error: 'The id names the rule, connector (its provider) or assistant.' }).min(1).max(64),
  permission: z
    .string({ error: 'The permission to grant is missing, such as entities:read:note.' })
    .min(1, 'The permission to grant is missing, such as entities:read:note.')
    .max(200),
});
export type GrantInput = z.infer<typeof grantInputSchema>;
