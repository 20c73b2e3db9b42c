import twilio from 'twilio';
import { z } from 'zod';
import { normalizePhone } from '@made-open/shared';
import { ValidationError } from '../../../platform/errors.ts';
import type { EventOutbox } from '../../events/index.ts';
import type { JobsModule } from '../../jobs/index.ts';
import {
  ConnectorError,
  defineConnector,
  type ConnectorCredential,
  type WebhookRequest,
} from '../connectors.contract.ts';
import { advances, messageStatusOf, patchMessage, personFor, smsItem } from './twilio.messages.ts';
import type { MediaJobPayload, TwilioMediaJob } from './twilio.media.ts';
import { twilioErrorOf, twilioRest } from './twilio.rest.ts';
import { a2pWarningFor, twilioErrorMessage } from './twilio.errors.ts';
import { publicUrlReachability } from './twilio.setup.ts';
import { twilioRepository } from './twilio.repository.ts';
import type { TwilioRecordingJob } from './twilio.recording.ts';
import { handleVoice, voicePaths } from './twilio.voice.ts';
import { disconnectVoice, connectVoice, voiceSetSchema, voiceReplacedSchema } from './twilio.voice-setup.ts';
import type { WalletService } from '../../wallet/index.ts';

const e164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'A number in E.164 form, like +14155550100.');
const sid = (prefix: string) => z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`));

const options = z.strictObject({
  /** One of the account's numbers (GET /api/v1/connections/twilio/numbers lists them). */
  phoneNumber: e164,
});

/** What connect set on the number and what was there before (restored on disconnect). */
const stateSchema = z.object({
  numberSid: z.string(),
  accountSid: z.string(),
  set: z.object({ smsUrl: z.string(), smsMethod: z.string() }).extend(voiceSetSchema.partial().shape),
  replaced: z
    .object({ smsUrl: z.string().nullable(), smsMethod: z.string().nullable() })
    .extend(voiceReplacedSchema.partial().shape),
  /** Voice (connections made before voice have none): the TwiML App connect created, the API Key's SID. */
  applicationSid: z.string().optional(),
  apiKeySid: z.string().optional(),
});

/** The inbound SMS/MMS webhook's fields (integrations.md §1.3); others may be added without notice. */
const inboundSchema = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/),
  AccountSid: sid('AC'),
  From: z.string().min(1).max(64),
  To: e164,
  Body: z.string().max(1600).default(''),
  NumMedia: z.coerce.number().int().min(0).max(10).default(0),
  NumSegments: z.coerce.number().int().min(0).max(1000).optional(),
});

const statusSchema = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/),
  AccountSid: sid('AC'),
  MessageStatus: z.string().min(1).max(40),
  ErrorCode: z.coerce.number().int().min(0).max(999_999).optional(),
});

function fieldsOf(request: WebhookRequest): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.form())) fields[name] = Array.isArray(value) ? value[0]! : value;
  return fields;
}

function parse<S extends z.ZodType>(schema: S, request: WebhookRequest): z.output<S> {
  if (!request.contentType.startsWith('application/x-www-form-urlencoded'))
    throw new ValidationError('Twilio webhooks are form-encoded.');
  const parsed = schema.safeParse(fieldsOf(request));
  if (!parsed.success) throw new ValidationError('This is not a Twilio message webhook.', parsed.error.issues);
  return parsed.data;
}

/** Twilio's X-Twilio-Signature over PUBLIC_URL + path and query (never Host), form or JSON (bodySHA256). */
export function verifyTwilioSignature(request: WebhookRequest, credential: ConnectorCredential) {
  const header = request.headers['x-twilio-signature'];
  if (!header) return { signed: false, valid: false };
  const token = String(credential.secret.authToken);
  const valid =
    request.query.bodySHA256 !== undefined
      ? twilio.validateRequestWithBody(token, header, request.url, request.rawBody.toString('utf8'))
      : twilio.validateRequest(token, header, request.url, request.form());
  return { signed: true, valid };
}

const emptyTwiml = new twilio.twiml.MessagingResponse().toString();

export interface TwilioConnectorDeps {
  outbox: Pick<EventOutbox, 'append'>;
  jobs: Pick<JobsModule, 'enqueue'>;
  mediaJob: TwilioMediaJob;
  recordingJob: TwilioRecordingJob;
  /** Seals the API Key connect creates into the credential. */
  wallet: Pick<WalletService, 'addSecretFields'>;
}

/** Twilio messaging (issue 12): a connection per number; SMS/MMS in by webhook, status callbacks. */
export function createTwilioConnector(deps: TwilioConnectorDeps) {
  return defineConnector({
    provider: 'twilio',
    capabilities: ['sms', 'voice'],
    options,

    async connect(ctx) {
      const accountSid = String(ctx.credential.secret.accountSid);
      const rest = twilioRest(ctx.api, accountSid);
      const numbers = await rest.incomingPhoneNumbers
        .list({ phoneNumber: ctx.options.phoneNumber, limit: 5 })
        .catch(rethrow);
      const number = numbers.find((one) => one.phoneNumber === ctx.options.phoneNumber);
      if (!number)
        throw new ConnectorError(
          'account',
          `This Twilio account has no number ${ctx.options.phoneNumber}: pick one from the account's numbers.`,
        );
      // The API Key and TwiML App for browser calls first: the number's URLs change last.
      const voice = await connectVoice(ctx, rest, deps.wallet, number).catch(rethrow);
      const set = { smsUrl: ctx.webhookUrl('sms'), smsMethod: 'POST', ...voice.set };
      try {
        await rest.incomingPhoneNumbers(number.sid).update(set);
      } catch (error) {
        await rest
          .applications(voice.applicationSid)
          .remove()
          .catch(() => undefined);
        rethrow(error);
      }
      return {
        accountId: number.sid,
        label: number.phoneNumber,
        state: {
          numberSid: number.sid,
          accountSid,
          set,
          replaced: { smsUrl: number.smsUrl ?? null, smsMethod: number.smsMethod ?? null, ...voice.replaced },
          applicationSid: voice.applicationSid,
          apiKeySid: voice.apiKeySid,
        },
      };
    },

    async test(ctx) {
      const state = stateSchema.parse(ctx.state);
      const number = await twilioRest(ctx.api, state.accountSid)
        .incomingPhoneNumbers(state.numberSid)
        .fetch()
        .catch(rethrow);
      const texts = number.smsUrl === state.set.smsUrl;
      const calls = state.set.voiceUrl === undefined || number.voiceUrl === state.set.voiceUrl;
      return {
        message:
          texts && calls
            ? `${number.phoneNumber} sends its texts${state.set.voiceUrl ? ' and calls' : ''} to this hub.`
            : `${number.phoneNumber} no longer sends its ${texts ? 'calls' : calls ? 'texts' : 'texts and calls'} to this hub (its ${texts ? 'voice' : 'SMS'} URL was changed at Twilio): disconnect and connect it again.`,
      };
    },

    async disconnect(ctx) {
      const state = stateSchema.parse(ctx.state);
      const numbers = twilioRest(ctx.api, state.accountSid).incomingPhoneNumbers;
      const number = await numbers(state.numberSid).fetch().catch(rethrow);
      // Restore only what this connection set and nobody changed since.
      const restore: Record<string, string> = {};
      if (number.smsUrl === state.set.smsUrl)
        Object.assign(restore, { smsUrl: state.replaced.smsUrl ?? '', smsMethod: state.replaced.smsMethod ?? 'POST' });
      Object.assign(restore, disconnectVoice(state, number));
      if (Object.keys(restore).length > 0) await numbers(state.numberSid).update(restore).catch(rethrow);
      if (state.applicationSid)
        await twilioRest(ctx.api, state.accountSid)
          .applications(state.applicationSid)
          .remove()
          .catch((error: unknown) => {
            if (twilioErrorOf(error)?.status !== 404) rethrow(error); // already deleted at Twilio
          });
    },

    setup(connection, context) {
      const warning = a2pWarningFor(connection.label);
      return {
        publicUrl: { url: context.publicUrl, ...publicUrlReachability(context.publicUrl) },
        // Set by connect at Twilio; to set by hand (or through a tunnel) when Twilio cannot reach PUBLIC_URL.
        webhookUrls: {
          sms: context.webhookUrl('sms'),
          smsStatus: context.webhookUrl('sms-status'),
          // The number's "A call comes in" and call status URLs; the TwiML App's voice URL.
          voiceIncoming: context.webhookUrl('voice-incoming'),
          voiceStatus: context.webhookUrl('voice-status'),
          voiceOutgoing: context.webhookUrl('voice-outgoing'),
        },
        warnings: warning ? [warning] : [],
      };
    },

    webhooks: {
      paths: ['sms', 'sms-status', ...voicePaths],
      verify: verifyTwilioSignature,
      async handle(context) {
        const { connection, request, ingest, tx } = context;
        const state = stateSchema.safeParse(connection.state).data;
        const accountSid = state?.accountSid;
        if (request.path.startsWith('voice-'))
          return handleVoice(deps, { accountSid, applicationSid: state?.applicationSid }, context);
        if (request.path === 'sms-status') {
          const status = parse(statusSchema, request);
          if (status.AccountSid !== accountSid)
            throw new ValidationError('This callback is for another Twilio account.');
          const next = messageStatusOf(status.MessageStatus);
          if (next)
            await patchMessage(tx, connection.ownerId, ingest, status.MessageSid, (row) => {
              const current = row.properties.status as Parameters<typeof advances>[0];
              if (row.properties.direction !== 'outbound' || !advances(current, next)) return undefined;
              const failed = next === 'failed' || next === 'undelivered';
              return failed && status.ErrorCode !== undefined
                ? {
                    status: next,
                    errorCode: status.ErrorCode,
                    error: twilioErrorMessage(status.ErrorCode, `error ${status.ErrorCode}`),
                  }
                : { status: next };
            });
          return { status: 204 };
        }
        const sms = parse(inboundSchema, request);
        if (sms.AccountSid !== accountSid || sms.To !== connection.label)
          throw new ValidationError('This message is for another Twilio account or number.');
        // A replayed MessageSid changes nothing (Twilio sends no timestamp to compare): answer at once.
        if (await twilioRepository.lockMessage(tx, connection.ownerId, sms.MessageSid))
          return { status: 200, contentType: 'text/xml', body: emptyTwiml };
        const fields = fieldsOf(request);
        const media: MediaJobPayload['items'] = [];
        for (let index = 0; index < sms.NumMedia; index++) {
          const url = fields[`MediaUrl${index}`];
          if (!url || !URL.canParse(url)) throw new ValidationError(`MediaUrl${index} is missing or not a URL.`);
          media.push({
            url,
            contentType: (fields[`MediaContentType${index}`] ?? 'application/octet-stream').slice(0, 200),
          });
        }
        const from = normalizePhone(sms.From) ?? sms.From;
        const personId = await personFor(tx, connection.ownerId, ingest, from);
        const result = await ingest([
          smsItem({
            messageSid: sms.MessageSid,
            direction: 'inbound',
            from,
            to: sms.To,
            body: sms.Body,
            status: 'received',
            segments: sms.NumSegments,
            personId,
            ownNumber: connection.label,
            media: media.map((item) => ({ contentType: item.contentType })),
            occurredAt: new Date().toISOString(),
          }),
        ]);
        const message = result.items[result.items.length - 1]!;
        // A replayed MessageSid is unchanged: no second event, no second fetch of its media.
        if (message.status === 'created') {
          await deps.outbox.append(tx, {
            type: 'comms.SmsReceived',
            ownerId: connection.ownerId,
            subject: message.id,
            actor: { kind: 'connector', id: connection.id },
            data: {
              messageId: message.id,
              connectionId: connection.id,
              personId,
              from,
              to: sms.To,
              numMedia: media.length,
            },
          });
          if (media.length > 0)
            await deps.jobs.enqueue(tx, deps.mediaJob, {
              connectionId: connection.id,
              ownerId: connection.ownerId,
              messageSid: sms.MessageSid,
              items: media,
            });
        }
        return { status: 200, contentType: 'text/xml', body: emptyTwiml };
      },
    },
  });
}

/** Twilio's REST refusals as ConnectorErrors: 401/403 the credential, 404 the number, others retryable. */
function rethrow(error: unknown): never {
  const twilioError = twilioErrorOf(error);
  if (!twilioError) throw error;
  if (twilioError.status === 401 || twilioError.status === 403)
    throw new ConnectorError(
      'credential',
      `Twilio refused the credential (${twilioError.message}): test it in the wallet.`,
    );
  if (twilioError.status === 404)
    throw new ConnectorError('account', 'Twilio does not know this number in this account any more: connect another.');
  throw new ConnectorError('provider', `Twilio answered HTTP ${twilioError.status}: ${twilioError.message}`);
}
