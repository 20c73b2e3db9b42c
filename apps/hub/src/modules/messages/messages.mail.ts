import { UserError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import { ConnectorError, type ConnectorsModule, type OpenConnection } from '../connectors/index.ts';

/** What the messages module asks of the connectors module (composition passes its service). */
export type MailConnections = Pick<ConnectorsModule['service'], 'open' | 'list'>;

/** The owner's mail accounts, as the inbox needs them: by the provider that brought a message. */
export function mailAccounts(connections: MailConnections, logger: Logger) {
  /** Ids of the owner's live connections whose entities carry this `source` (the provider's id, or msgraph). */
  async function idsFor(user: AuthenticatedUser, source: string) {
    const views = await connections.list(user);
    return views.filter((view) => view.status === 'active' && view.source === source).map((view) => view.id);
  }

  /** Each live mail connection of this provider, opened; the caller tries them in turn. */
  async function* openFor(user: AuthenticatedUser, provider: string): AsyncGenerator<OpenConnection<'mail'>> {
    const ids = await idsFor(user, provider);
    if (ids.length === 0)
      throw new UserError(
        409,
        'no_mail_connection',
        'The mail account this email came through is not connected now: connect it again in Settings → Connections, then try again.',
      );
    for (const id of ids) yield await connections.open(user, 'mail', id);
  }

  return {
    /** The owner's own addresses: the labels of their live connections that are email addresses. */
    async ownAddresses(user: AuthenticatedUser) {
      const views = await connections.list(user);
      return views.filter((view) => view.status === 'active' && view.label.includes('@')).map((view) => view.label);
    },

    /**
     * The account a reply goes back through: the one live connection of this provider, or of
     * several, the one whose mailbox the answered email was to, cc or from (the labels are the
     * mailboxes' addresses). Undefined when that says nothing (a Bcc): the sender must choose.
     */
    async replyConnectionOf(user: AuthenticatedUser, provider: string, addresses: readonly string[]) {
      const live = (await connections.list(user)).filter(
        (view) => view.status === 'active' && view.source === provider,
      );
      if (live.length === 1) return live[0]!.id;
      const named = new Set(addresses.map((address) => address.toLowerCase()));
      const mailboxes = live.filter((view) => named.has(view.label.toLowerCase()));
      return mailboxes.length === 1 ? mailboxes[0]!.id : undefined;
    },

    open: (user: AuthenticatedUser, connectionId?: string) => connections.open(user, 'mail', connectionId),

    /**
     * One attachment's content from the account the message came through. With several
     * accounts of that provider, each is asked in turn until one knows the message.
     */
    async attachment(user: AuthenticatedUser, provider: string, externalId: string, attachmentId: string) {
      let lastError: unknown;
      for await (const open of openFor(user, provider)) {
        try {
          return await open.capability.attachment(open.context, { externalId }, attachmentId);
        } catch (error) {
          if (!(error instanceof ConnectorError && error.kind === 'account')) throw error;
          lastError = error;
        }
      }
      throw lastError;
    },

    /**
     * The provider's read state, best effort: a failure (no account, no setRead, the provider
     * refusing) is logged and never fails the reader's request.
     */
    async setRead(user: AuthenticatedUser, provider: string, externalIds: string[], read: boolean) {
      if (externalIds.length === 0) return;
      try {
        let pending = externalIds;
        for await (const open of openFor(user, provider)) {
          const setRead = open.capability.setRead;
          if (!setRead) continue;
          const failed: string[] = [];
          // A few at a time: the provider API also caps each connection's requests in flight.
          for (let start = 0; start < pending.length; start += 4) {
            await Promise.all(
              pending.slice(start, start + 4).map(async (externalId) => {
                try {
                  await setRead(open.context, { externalId }, read);
                } catch (error) {
                  failed.push(externalId);
                  logger.warn(
                    { err: error instanceof Error ? error.message : String(error), connectionId: open.connection.id },
                    'mail: could not set the read state on the provider',
                  );
                }
              }),
            );
          }
          pending = failed;
          if (pending.length === 0) return;
        }
      } catch (error) {
        logger.warn(
          { err: error instanceof Error ? error.message : String(error), provider },
          'mail: read state not written back',
        );
      }
    },
  };
}

export type MailAccounts = ReturnType<typeof mailAccounts>;
