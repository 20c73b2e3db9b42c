import { normalizeEmail } from '@made-open/shared';
import type { Database } from '../../platform/db/index.ts';
import { NotFoundError, UserError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { sanitizeEmailHtml, textOfHtml } from '../../platform/html.ts';
import { OutboundUnreachable } from '../../platform/http/outbound/index.ts';
import type { Logger } from '../../platform/logger.ts';
import { ConnectorError, type EmailAddress, type OutgoingEmail } from '../connectors/index.ts';
import type { Ingest } from '../graph/index.ts';
import type { StorageService } from '../storage/index.ts';
import type { MailAccounts } from './messages.mail.ts';
import { messagesRepository as repo } from './messages.repository.ts';
import { maxRecipients, type SendEmailInput, type SentEmailView } from './messages.schemas.ts';
import { threadIdOf } from './messages.threads.ts';

/** What an email send answered: stored under its Idempotency-Key like an SMS's. */
export type EmailOutcome =
  | { status: 201; body: { message: SentEmailView } }
  /** The provider's answer was lost: the mail may have gone (kept, so a retry sends no copy). */
  | { status: 502; body: { error: { code: 'send_outcome_unknown'; message: string } } };

/** Attachments of one email together: providers refuse more (Graph's own limit is far lower without an upload session). */
export const maxAttachmentBytes = 25 * 1024 * 1024;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who may act on a ConnectorError: the credential's owner (409) or the sender (422). */
export function mailErrorOf(error: ConnectorError): UserError {
  if (error.kind === 'credential') return new UserError(409, 'mail_credential_refused', error.message);
  return new UserError(422, error.kind === 'account' ? 'mail_refused' : 'mail_provider_error', error.message);
}

export interface EmailSenderDeps {
  db: Database;
  logger: Logger;
  ingest: Ingest;
  storage: Pick<StorageService, 'download'>;
  mail: MailAccounts;
}

/**
 * Sending email (issue 13 §5) through the owner's mail account: recipients resolved (person ids
 * to their first address), the HTML sanitised, Storage files attached, a reply sent in its
 * thread through the account it came from; the connector's item, when it gives one, ingested.
 */
export function createEmailSender(deps: EmailSenderDeps) {
  const { db } = deps;

  async function recipients(user: AuthenticatedUser, input: SendEmailInput) {
    const seen = new Set<string>();
    const lists = { to: [] as EmailAddress[], cc: [] as EmailAddress[], bcc: [] as EmailAddress[] };
    await db.asUser(user.claims, async (tx) => {
      for (const field of ['to', 'cc', 'bcc'] as const) {
        for (const [index, given] of input[field].entries()) {
          let address: string | null;
          let name: string | undefined;
          if (uuid.test(given)) {
            const person = await repo.personEmails(tx, given);
            if (!person) throw new NotFoundError('person');
            if (person.emails.length === 0)
              throw new ValidationError(
                `${field}[${index}]: ${person.name} has no email address: add one to write to them.`,
              );
            address = person.emails[0]!;
            name = person.name;
          } else {
            address = normalizeEmail(given);
            if (!address)
              throw new ValidationError(
                `${field}[${index}]: ${JSON.stringify(given.slice(0, 80))} is not an email address (like ada@example.com).`,
              );
          }
          if (seen.has(address)) continue;
          seen.add(address);
          lists[field].push(name ? { address, name } : { address });
        }
      }
    });
    if (seen.size > maxRecipients)
      throw new UserError(
        400,
        'too_many_recipients',
        `An email goes to at most ${maxRecipients} addresses (to, cc and bcc together); this one has ${seen.size}.`,
      );
    return lists;
  }

  async function attachments(user: AuthenticatedUser, paths: string[]) {
    const files: NonNullable<OutgoingEmail['attachments']> = [];
    let total = 0;
    for (const path of paths) {
      const slash = path.indexOf('/');
      if (slash < 1) throw new ValidationError(`attachments: "${path}" is not a Storage path like bucket/name.`);
      const { object, body } = await deps.storage.download(
        user,
        path.slice(0, slash),
        path.slice(slash + 1),
        undefined,
      );
      total += Number(object.size);
      if (total > maxAttachmentBytes) {
        body.destroy();
        throw new UserError(
          413,
          'attachments_too_large',
          `Attachments add up to more than ${mib(maxAttachmentBytes)}: send large files as a link instead.`,
        );
      }
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      files.push({
        name: object.name.split('/').pop() || 'attachment',
        contentType: object.mime_type || 'application/octet-stream',
        content: Buffer.concat(chunks),
      });
    }
    return files;
  }

  /** Every address an email names (from, to, cc), as stored by its connector. */
  const addressesOf = (properties: Record<string, unknown>) =>
    [properties.from, properties.to, properties.cc]
      .flat()
      .filter((value): value is string => typeof value === 'string');

  return async function sendEmail(user: AuthenticatedUser, input: SendEmailInput): Promise<EmailOutcome> {
    const { to, cc, bcc } = await recipients(user, input);
    const html = input.html !== undefined && input.html.trim() !== '' ? sanitizeEmailHtml(input.html) : undefined;
    const text = input.body.trim() !== '' ? input.body : html ? textOfHtml(html) : '';
    if (text.trim() === '' && input.attachments.length === 0)
      throw new ValidationError('Write a message or attach a file.');

    const answered = input.replyTo
      ? await db.asUser(user.claims, (tx) => repo.emailMessage(tx, user.id, input.replyTo!))
      : undefined;
    if (input.replyTo && !answered) throw new NotFoundError('message');
    if (answered && (answered.source === null || answered.external_id === null))
      throw new ValidationError('That email did not come through a mail account: it cannot be answered from here.');
    const original = typeof answered?.properties.subject === 'string' ? answered.properties.subject : '';
    const subject =
      input.subject || (answered && original ? (/^re:/i.test(original) ? original : `Re: ${original}`) : '');

    const files = await attachments(user, input.attachments);
    const connectionId =
      input.connectionId ??
      (answered
        ? await deps.mail.replyConnectionOf(user, answered.source!, addressesOf(answered.properties))
        : undefined);
    const open = await deps.mail.open(user, connectionId);

    let sent;
    try {
      sent = await open.capability.send(open.context, {
        to,
        ...(cc.length > 0 ? { cc } : {}),
        ...(bcc.length > 0 ? { bcc } : {}),
        subject,
        text,
        ...(html ? { html } : {}),
        ...(answered ? { replyTo: { externalId: answered.external_id! } } : {}),
        ...(files.length > 0 ? { attachments: files } : {}),
      });
    } catch (error) {
      if (error instanceof ConnectorError) throw mailErrorOf(error);
      // The connection broke or timed out with a request out: the mail may have been sent.
      if (error instanceof OutboundUnreachable && (error.reason === 'timeout' || error.reason === 'network'))
        return {
          status: 502,
          body: {
            error: {
              code: 'send_outcome_unknown',
              message:
                'The mail service did not answer, so this email may or may not have gone out. Check your Sent Items before sending it again.',
            },
          },
        };
      throw error;
    }

    // The mail is gone: whatever happens to storing the provider's copy, the answer is a 201.
    let id: string | null = null;
    let threadId = typeof answered?.properties.threadId === 'string' ? answered.properties.threadId : null;
    if (sent.item) {
      try {
        const result = await db.asUser(user.claims, (tx) =>
          deps.ingest(tx, { ownerId: user.id, actor: { kind: 'user', id: user.id }, items: [sent.item!] }),
        );
        id = result.items[0]?.id ?? null;
        const stored = sent.item.properties?.threadId;
        if (typeof stored === 'string') threadId = stored;
      } catch (error) {
        deps.logger.warn(
          { err: error instanceof Error ? error.message : String(error), connectionId: open.connection.id },
          'mail: sent, but the copy the connector returned could not be stored; it arrives with the next sync',
        );
      }
    }
    return {
      status: 201,
      body: {
        message: {
          channel: 'email',
          id,
          status: 'sent',
          connectionId: open.connection.id,
          from: open.connection.label,
          to: to.map((a) => a.address),
          cc: cc.map((a) => a.address),
          bcc: bcc.map((a) => a.address),
          subject,
          threadId: threadId ? threadIdOf('email', threadId) : null,
          attachments: files.map((file) => file.name),
        },
      },
    };
  };
}
