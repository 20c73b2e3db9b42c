import { z } from 'zod';
import { defineEvent } from './events.ts';
import { principalKindSchema } from './principals.ts';

/**
 * Plugin and Policy Service events. ownerId: the user the plugin runs for; subject: the
 * plugin's id (`policy.Decision`, `plugin.*`). None carries a secret or plugin output
 * beyond what the event names.
 */
const pluginId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/);

/** Every permission check the Policy Service makes, allowed or refused. Audited. */
export const policyDecision = defineEvent(
  'policy.Decision',
  1,
  z.object({
    /** Set when the principal is a plugin (as before principals were generalised). */
    pluginId: pluginId.optional(),
    /** Who asked: a user, plugin, rule, connector or AI assistant (subject is its id). */
    principal: z.object({ kind: principalKindSchema, id: z.string().max(200) }).optional(),
    /** The permission asked for, e.g. entities:read:person, http:fetch:api.example.com. */
    permission: z.string().max(300),
    /** What it was asked about (an entity id, a URL's host), when there is one. */
    resource: z.string().max(300).nullable(),
    allowed: z.boolean(),
    /** not_declared | not_granted | not_owned | allowed | disabled | ... */
    reason: z.string().max(60),
    operation: z.string().max(60),
    /**
     * What the action it guarded then did: ok, or the error code it failed with. Carried on
     * the decision so an audited call costs one event, not two.
     */
    outcome: z.string().max(60).optional(),
  }),
);

/** A person granted or revoked permissions of a rule, connector or AI assistant (plugins: plugin.GrantsChanged). */
export const policyGrantsChanged = defineEvent(
  'policy.GrantsChanged',
  1,
  z.object({
    principal: z.object({ kind: principalKindSchema, id: z.string().max(200) }),
    granted: z.array(z.string()),
    revoked: z.array(z.string()),
  }),
);

const version = z.string().max(40);

export const pluginInstalled = defineEvent(
  'plugin.Installed',
  1,
  z.object({ pluginId, version, permissions: z.array(z.string()) }),
);
export const pluginUpgraded = defineEvent(
  'plugin.Upgraded',
  1,
  z.object({ pluginId, from: version, to: version, permissions: z.array(z.string()) }),
);
export const pluginEnabled = defineEvent('plugin.Enabled', 1, z.object({ pluginId }));
export const pluginDisabled = defineEvent('plugin.Disabled', 1, z.object({ pluginId, reason: z.string().max(200) }));
export const pluginUninstalled = defineEvent('plugin.Uninstalled', 1, z.object({ pluginId }));
export const pluginGrantsChanged = defineEvent(
  'plugin.GrantsChanged',
  1,
  z.object({ pluginId, granted: z.array(z.string()), revoked: z.array(z.string()) }),
);
/** An event a plugin emitted through ctx.events.emit (permission events:emit:<name>). */
export const pluginEmitted = defineEvent(
  'plugin.Emitted',
  1,
  z.object({
    pluginId,
    name: z.string().regex(/^[a-z][a-zA-Z0-9.]{0,99}$/),
    payload: z.record(z.string(), z.unknown()),
  }),
);

/** A notification a plugin raised through ctx.notify (permission notify). */
export const pluginNotification = defineEvent(
  'plugin.Notification',
  1,
  z.object({ pluginId, title: z.string().min(1).max(200), body: z.string().max(2000) }),
);

export const pluginEvents = [
  pluginNotification,
  policyDecision,
  policyGrantsChanged,
  pluginInstalled,
  pluginUpgraded,
  pluginEnabled,
  pluginDisabled,
  pluginUninstalled,
  pluginGrantsChanged,
  pluginEmitted,
] as const;
