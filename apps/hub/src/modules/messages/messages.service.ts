import { createHash } from 'node:crypto';
import { normalizePhone } from '@made-open/shared';
import { providerRegistry } from '@made-open/shared/providers';
import type { ProviderUrls } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import { ConflictError, NotFoundError, UserError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { OutboundUnreachable, type OutboundClient } from '../../platform/http/outbound/index.ts';
import type { Logger } from '../../platform/logger.ts';
import { providerApi } from '../connectors/index.ts';
import {
  chooseTwilioNumber,
  messageStatusOf,
  personFor,
  smsItem,
  twilioErrorMessage,
  twilioDownError,
  twilioErrorOf,
  twilioRest,
} from '../connectors/twilio/index.ts';
import type { Ingest } from '../graph/index.ts';
import type { StorageService } from '../storage/index.ts';
import type { WalletService } from '../wallet/index.ts';
import { createEmailSender, type EmailOutcome } from './messages.email.ts';
import type { MailAccounts } from './messages.mail.ts';
import { messagesRepository as repo } from './messages.repository.ts';
import type { SendMessageInput, SendSmsInput, SentMessageView } from './messages.schemas.ts';

export interface MessagesServiceDeps {
  config: { publicUrl: string; providerUrls: ProviderUrls };
  db: Database;
  logger: Logger;
  outbound: OutboundClient;
  ingest: Ingest;
  wallet: Pick<WalletService, 'unseal'>;
  storage: Pick<StorageService, 'createSignedUrl' | 'getObjectInfo' | 'createBucket' | 'upload' | 'download'>;
  /** The owner's mail accounts (connectors' `mail` capability). */
  mail: MailAccounts;
}

/** Twilio fetches MMS media from signed Storage URLs for this long. */
const mediaUrlSeconds = 3600;

/** What a send answered: stored under its Idempotency-Key so a retry gets the same. */
export type SendOutcome =
  | EmailOutcome
  | { status: 201 | 422; body: { message: SentMessageView } | { error: { code: string; message: string } } }
  | UnknownOutcome;

/**
 * Twilio may have sent the text, but the hub cannot say: its answer was lost on the way back,
 * or it came and the hub then failed to store the message. Kept as the key's answer, so a
 * retry with the same Idempotency-Key never sends a second copy.
 */
type UnknownOutcome = {
  status: 502;
  body: { error: { code: 'send_outcome_unknown' | 'sent_not_stored'; message: string } };
};

const unknownOutcome = (code: UnknownOutcome['body']['error']['code'], message: string): UnknownOutcome => ({
  status: 502,
  body: { error: { code, message } },
});

/**
 * Sending SMS/MMS (issue 12 §4), and email (issue 13 §5, messages.email.ts), through the user's connected Twilio number: the credential is
 * unsealed here, on the hub, and attached by the outbound client; the message entity is
 * stored with the status Twilio answered and moves forward with its status callbacks.
 */
export function createMessagesService(deps: MessagesServiceDeps) {
  const { db } = deps;
  const provider = providerRegistry.get('twilio')!;
  const publicUrl = deps.config.publicUrl.replace(/\/+$/, '');

  const connectionFor = (user: AuthenticatedUser, connectionId: string | undefined) =>
    chooseTwilioNumber(db, user, {
      connectionId,
      none: {
        code: 'no_sms_connection',
        message:
          'Connect a Twilio number first: POST /api/v1/connections with provider "twilio" (README, "Texting through your Twilio number").',
      },
      several: { ask: 'You have several Twilio numbers connected: say which sends it (connectionId).' },
    });

  async function recipientOf(user: AuthenticatedUser, to: string) {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(to)) {
      const phones = await db.asUser(user.claims, (tx) => repo.personPhones(tx, to));
      if (!phones) throw new NotFoundError('person');
      if (phones.length === 0) throw new ValidationError('This person has no phone number: add one to text them.');
      return phones[0]!;
    }
    const phone = normalizePhone(to);
    if (!phone)
      throw new ValidationError('That is not a phone number: include the country code, like +1 415 555 0100.');
    return phone;
  }

  const sendEmail = createEmailSender(deps);

  async function send(user: AuthenticatedUser, input: SendMessageInput): Promise<SendOutcome> {
    return input.channel === 'email' ? sendEmail(user, input) : sendSms(user, input);
  }

  async function sendSms(user: AuthenticatedUser, input: SendSmsInput): Promise<SendOutcome> {
    if (input.body.trim() === '' && input.media.length === 0)
      throw new ValidationError('Write a message or attach media.');
    const to = await recipientOf(user, input.to);
    const mediaUrls: string[] = [];
    const mediaTypes: string[] = [];
    for (const path of input.media) {
      const slash = path.indexOf('/');
      if (slash < 1) throw new ValidationError(`media: "${path}" is not a Storage path like bucket/name.`);
      // Its type as stored, so the thread shows a sent photo as a photo.
      const info = await deps.storage.getObjectInfo(user, path.slice(0, slash), path.slice(slash + 1));
      mediaTypes.push(info.mime_type || 'application/octet-stream');
      const signed = await deps.storage.createSignedUrl(
        user,
        path.slice(0, slash),
        path.slice(slash + 1),
        mediaUrlSeconds,
      );
      mediaUrls.push(`${publicUrl}/storage/v1${signed}`);
    }
    const connection = await connectionFor(user, input.connectionId);
    const credential = await deps.wallet.unseal(user.id, connection.credential_id);
    if (!credential)
      throw new UserError(409, 'credential_missing', "This number's Twilio credential is gone: reconnect the number.");
    const api = providerApi({
      provider,
      secret: credential.secret,
      outbound: deps.outbound,
      urls: deps.config.providerUrls,
      connectionId: connection.id,
    });
    let sent;
    try {
      sent = await twilioRest(api, String(credential.secret.accountSid)).messages.create({
        to,
        from: connection.label,
        ...(input.body ? { body: input.body } : {}),
        ...(mediaUrls.length > 0 ? { mediaUrl: mediaUrls } : {}),
        statusCallback: `${publicUrl}/webhooks/twilio/${connection.id}/sms-status`,
      });
    } catch (error) {
      // The request went out and the connection then broke or timed out: Twilio may have taken it.
      if (error instanceof OutboundUnreachable && (error.reason === 'timeout' || error.reason === 'network'))
        return unknownOutcome(
          'send_outcome_unknown',
          'Twilio did not answer, so this text may or may not have gone out. Check the message log in your Twilio Console before sending it again.',
        );
      // Twilio failing (5xx, or not reachable at all): it took nothing, so the key is freed for a retry.
      const down = twilioDownError(error);
      if (down) throw down;
      const twilioError = twilioErrorOf(error);
      if (!twilioError || twilioError.status === 429) throw error;
      const code = twilioError.code;
      return {
        status: 422,
        body: {
          error: {
            code: code === undefined ? 'twilio_refused' : `twilio_${code}`,
            message: twilioErrorMessage(code, twilioError.message),
          },
        },
      };
    }
    const status = messageStatusOf(sent.status) ?? 'queued';
    const segments = Number.parseInt(String(sent.numSegments), 10);
    let view: SentMessageView;
    try {
      view = await db.asUser(user.claims, async (tx) => {
        const ingest = (items: Parameters<Ingest>[1]['items']) =>
          deps.ingest(tx, { ownerId: user.id, actor: { kind: 'user', id: user.id }, items });
        const personId = await personFor(tx, user.id, ingest, to);
        const item = smsItem({
          messageSid: sent.sid,
          direction: 'outbound',
          from: connection.label,
          to,
          body: input.body,
          status,
          segments: Number.isFinite(segments) && segments > 0 ? segments : undefined,
          personId,
          ownNumber: connection.label,
          media: input.media.map((path, i) => ({ contentType: mediaTypes[i]!, path })),
          occurredAt: new Date().toISOString(),
        });
        const result = await ingest([item]);
        return {
          id: result.items[0]!.id,
          sid: sent.sid,
          status,
          from: connection.label,
          to,
          personId,
          threadId: String(item.properties?.threadId),
          segments: Number.isFinite(segments) && segments > 0 ? segments : null,
          media: input.media,
        };
      });
    } catch (error) {
      deps.logger.error({ err: error, sid: sent.sid }, 'messages: a sent text could not be stored');
      return unknownOutcome(
        'sent_not_stored',
        `The text went out (Twilio message ${sent.sid}), but the hub could not store it, so it will not show in the conversation. Do not send it again.`,
      );
    }
    return { status: 201, body: { message: view } };
  }

  return {
    /**
     * Sends once per Idempotency-Key: the first request claims the key, a retry with the same
     * body gets the stored answer, another body is a 422, one still in flight a 409.
     */
    async send(user: AuthenticatedUser, input: SendMessageInput, key: string | undefined): Promise<SendOutcome> {
      if (key === undefined) return send(user, input);
      // A text's hash leaves out `channel: "sms"`, so it matches the same text sent without it.
      const { channel, ...sms } = input;
      const hash = createHash('sha256')
        .update(JSON.stringify(channel === 'email' ? input : sms))
        .digest('hex');
      const previous = await db.asUser(user.claims, async (tx) => {
        const row = await repo.claim(tx, user.id, key, hash);
        if (row?.state === 'pending' && row.stale && row.request_hash === hash) {
          await repo.reclaim(tx, user.id, key);
          return undefined;
        }
        return row;
      });
      if (previous) {
        if (previous.request_hash !== hash)
          throw new UserError(
            422,
            'idempotency_key_reused',
            'This Idempotency-Key was used for another message: use a new key.',
          );
        if (previous.state === 'pending')
          throw new ConflictError(
            'This message is still being sent: try again in a moment.',
            'idempotency_in_progress',
          );
        return {
          status: previous.status_code === 422 || previous.status_code === 502 ? previous.status_code : 201,
          body: previous.response,
        } as SendOutcome;
      }
      let outcome: SendOutcome;
      try {
        outcome = await send(user, input);
      } catch (error) {
        // Nothing reached the provider, or it failed in a way a retry may fix: the key is free again.
        await db.asUser(user.claims, (tx) => repo.release(tx, user.id, key));
        throw error;
      }
      await db.asUser(user.claims, (tx) => repo.finish(tx, user.id, key, outcome.status, outcome.body));
      return outcome;
    },
  };
}

export type MessagesService = ReturnType<typeof createMessagesService>;
