import { z } from 'zod';
import { defineEvent } from './events.ts';
import { capabilityNamePattern, providerIdPattern } from './providers/registry.ts';

/**
 * Connector events (stream connector-data, subjects connector.<ownerId>.<type>). Subject: the
 * connection's id; ownerId: its owner. They name a connection and its account label, never a
 * secret. Connected and Disconnected are audited; sync events are not (one per page).
 */
const connectionRef = z.object({
  connectionId: z.string().uuid(),
  provider: z.string().regex(providerIdPattern),
  /** The account as a person recognises it (a number, a mailbox); never a secret. */
  label: z.string().max(200),
});

const count = z.number().int().min(0);

/** What one run of a sync has done so far (counts since the run was requested). */
export const syncCountsSchema = z.object({
  pages: count,
  items: count,
  created: count,
  updated: count,
  unchanged: count,
  /** 0-100 when the provider says how much is left; null when it does not. */
  percent: z.number().min(0).max(100).nullable(),
  /** What the sync is working through now ("Inbox", "Calendar"), when the connector says. */
  step: z.string().max(200).nullable().optional(),
});
export type SyncCounts = z.infer<typeof syncCountsSchema>;

const syncRun = connectionRef.extend({
  jobId: z.string().uuid(),
  /** initial: the connection's first full sync; incremental: changes since the saved cursor. */
  phase: z.enum(['initial', 'incremental']),
});

export const connectorConnected = defineEvent(
  'connector.Connected',
  1,
  connectionRef.extend({
    credentialId: z.string().uuid(),
    capabilities: z.array(z.string().regex(capabilityNamePattern)),
  }),
);

export const connectorDisconnected = defineEvent('connector.Disconnected', 1, connectionRef);

/** A person changed a connection's options after connecting (audited: recording calls is one). */
export const connectorReconfigured = defineEvent(
  'connector.Reconfigured',
  1,
  connectionRef.extend({
    /** The options whose value changed, by name (their values are in the connection's view). */
    changed: z.array(z.string().max(100)).max(50),
  }),
);

/** One page ingested and its cursor saved (the web draws progress bars from these). */
export const connectorSyncProgress = defineEvent('connector.SyncProgress', 1, syncRun.extend(syncCountsSchema.shape));

export const connectorSyncCompleted = defineEvent('connector.SyncCompleted', 1, syncRun.extend(syncCountsSchema.shape));

export const connectorSyncFailed = defineEvent(
  'connector.SyncFailed',
  1,
  syncRun.extend({
    /** What happened and what to do, for a person. */
    reason: z.string().max(500),
    /** credential: fix or replace the credential; provider: the provider refused or broke; transient: retried. */
    kind: z.enum(['credential', 'account', 'provider', 'transient', 'internal', 'reauth']),
    willRetry: z.boolean(),
  }),
);

/**
 * The account's sign-in expired or was revoked (an OAuth grant refused): the connection waits
 * in needs_reauth, its sync paused with its cursors kept, until the owner signs in again.
 * A notification for the owner (the web shows it with a "Sign in again" action).
 */
export const connectorSignInRequired = defineEvent(
  'connector.SignInRequired',
  1,
  connectionRef.extend({ reason: z.string().max(500) }),
);

export const connectorEvents = [
  connectorConnected,
  connectorDisconnected,
  connectorReconfigured,
  connectorSyncProgress,
  connectorSyncCompleted,
  connectorSyncFailed,
  connectorSignInRequired,
] as const;
