import type { Database } from '../../../platform/db/index.ts';
import type { OutboundClient } from '../../../platform/http/outbound/index.ts';
import type { ProviderUrls } from '../../../platform/config.ts';
import {
  ConnectorError,
  defineConnector,
  type CalendarCapability,
  type ContactsCapability,
  type MailCapability,
  type ConnectContext,
  type ConnectionContext,
} from '../connectors.contract.ts';
import { ownerClaims } from '../connectors.sync.ts';
import { graphClient, type GraphClient } from './msgraph.client.ts';
import { appRegistrationOf, type TokenSet } from './msgraph.oauth.ts';
import { msgraphOptionsSchema, type MsgraphOptions } from './msgraph.options.ts';
import { liveSetup } from './msgraph.subscriptions.view.ts';
import type { MailboxLimits } from './msgraph.limits.ts';
import type { MsgraphSync } from './msgraph.sync.ts';
import type { TokenStore } from './msgraph.tokens.ts';
import { outlookRepeats } from './msgraph.recurrence.ts';

export const defaultGraphUrl = 'https://graph.microsoft.com/v1.0';
export const defaultLoginUrl = 'https://login.microsoftonline.com';

/** What the OAuth callback hands to connect() (ConnectContext.authorization). */
export interface MsgraphAuthorization {
  tokens: TokenSet;
  me: { id: string; mail: string | null; userPrincipalName: string | null; displayName: string | null };
}

export interface MsgraphConnectorDeps {
  db: Database;
  outbound: OutboundClient;
  urls: ProviderUrls;
  tokens: TokenStore;
  /** Each mailbox's Retry-After pause and 4 slots (across hub instances when they share NATS). */
  limits: MailboxLimits;
  /** The delta sync (built after the connector: it needs clientFor). */
  sync: () => MsgraphSync;
  /** Before the tokens are forgotten: undo the change-notification subscriptions at Graph. */
  beforeDisconnect?: (context: ConnectionContext<MsgraphOptions>) => Promise<void>;
  /** Write-back (mail, calendar, contacts), built after the connector too (it needs clientFor). */
  writeBack: () => MsgraphWriteBack;
  /** After its options changed (PATCH): the subscriptions follow the folders. */
  reconfigured?: (context: ConnectionContext<MsgraphOptions>, changed: readonly string[]) => Promise<void>;
  /** Before each sync page: hub edits kept while the connection could not write are pushed first. */
  beforeSyncPage?: (context: ConnectionContext<MsgraphOptions>) => Promise<void>;
}

export interface MsgraphWriteBack {
  mail: MailCapability<MsgraphOptions>;
  calendar: CalendarCapability<MsgraphOptions>;
  contacts: ContactsCapability<MsgraphOptions>;
}

export const graphBaseOf = (urls: ProviderUrls) => (urls.MSGRAPH_API_URL ?? defaultGraphUrl).replace(/\/+$/, '');
export const loginBaseOf = (urls: ProviderUrls) => (urls.MSGRAPH_LOGIN_URL ?? defaultLoginUrl).replace(/\/+$/, '');

export function labelOf(me: MsgraphAuthorization['me']): string {
  return (me.mail || me.userPrincipalName || me.displayName || me.id).slice(0, 200);
}

/** The Microsoft 365 connector (provider `microsoft`): see README.md. */
export function createMsgraphConnector(deps: MsgraphConnectorDeps) {
  /** The Graph API for one connection: what write-back, subscriptions and presence build on. */
  function clientFor(context: Pick<ConnectContext<unknown>, 'connectionId' | 'ownerId' | 'credential'>): GraphClient {
    return graphClient(
      { outbound: deps.outbound, tokens: deps.tokens, baseUrl: graphBaseOf(deps.urls), limits: deps.limits },
      {
        connectionId: context.connectionId,
        ownerId: context.ownerId,
        app: appRegistrationOf(context.credential.secret),
      },
    );
  }

  const connector = defineConnector({
    provider: 'microsoft',
    // Its entities carry source msgraph: write-back finds their connection by it.
    source: 'msgraph',
    capabilities: ['email', 'calendar', 'contacts'],
    options: msgraphOptionsSchema,
    // The sync and subscriptions read these afresh each run; workAccount changes the scopes
    // signed in with, so it is fixed (connect again to change it).
    editableOptions: ['folders', 'calendarPastDays', 'calendarFutureDays', 'pollMinutes'],
    reconfigured: async (context, changed) => deps.reconfigured?.(context, changed),
    async connect(context) {
      const authorization = context.authorization as MsgraphAuthorization | undefined;
      if (!authorization?.tokens || !authorization.me?.id)
        throw new ConnectorError(
          'account',
          'Microsoft 365 is connected by signing in: use “Connect Microsoft 365” in Settings → Connections.',
        );
      await deps.db.asUser(ownerClaims(context.ownerId), (tx) =>
        deps.tokens.save(tx, { connectionId: context.connectionId, ownerId: context.ownerId }, authorization.tokens),
      );
      return { accountId: authorization.me.id.slice(0, 300), label: labelOf(authorization.me), state: {} };
    },
    async test(context) {
      const me = await clientFor(context).json<{ mail?: string; userPrincipalName?: string }>('/me');
      return { message: `Signed in to Microsoft 365 as ${me.mail ?? me.userPrincipalName ?? 'this account'}.` };
    },
    async disconnect(context) {
      await deps.beforeDisconnect?.(context);
      // Microsoft has no revocation endpoint for these tokens: forgetting them ends the grant's use here.
      await deps.db.asUser(ownerClaims(context.ownerId), (tx) => deps.tokens.forget(tx, context.connectionId));
    },
    sync: {
      page: async (context) => {
        await deps.beforeSyncPage?.(context);
        return deps.sync().page(context);
      },
    },
    mail: {
      send: (context, email) => deps.writeBack().mail.send(context, email),
      attachment: (context, message, id) => deps.writeBack().mail.attachment(context, message, id),
      setRead: (context, message, read) => deps.writeBack().mail.setRead!(context, message, read),
    },
    calendar: {
      repeats: outlookRepeats,
      create: (context, event) => deps.writeBack().calendar.create(context, event),
      update: (context, event, changes) => deps.writeBack().calendar.update(context, event, changes),
      delete: (context, event) => deps.writeBack().calendar.delete(context, event),
      endSeriesBefore: (context, series, instance) =>
        deps.writeBack().calendar.endSeriesBefore!(context, series, instance),
      respond: (context, event, response, comment) =>
        deps.writeBack().calendar.respond(context, event, response, comment),
    },
    contacts: {
      create: (context, contact) => deps.writeBack().contacts.create(context, contact),
      update: (context, contact, changes) => deps.writeBack().contacts.update(context, contact, changes),
      delete: (context, contact) => deps.writeBack().contacts.delete(context, contact),
      read: (context, contact) => deps.writeBack().contacts.read(context, contact),
    },
    setup(connection) {
      return liveSetup(connection.options, connection.state);
    },
  });
  return { connector, clientFor };
}

export type MsgraphConnectionContext = ConnectionContext<MsgraphOptions>;
