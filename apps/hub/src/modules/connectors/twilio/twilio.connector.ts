import twilio from 'twilio';
import { z } from 'zod';
import { ConflictError, UserError, ValidationError } from '../../../platform/errors.ts';
import type { EventOutbox } from '../../events/index.ts';
import type { JobsModule } from '../../jobs/index.ts';
import {
  ConnectorError,
  defineConnector,
  type ConnectorCredential,
  type WebhookRequest,
} from '../connectors.contract.ts';
import { messageStatusOf, patchMessage } from './twilio.messages.ts';
import { keepPendingStatus, statusPatch, type TwilioPendingStatusJob } from './twilio.pending-status.ts';
import { e164, parse, sid } from './twilio.form.ts';
import { inboundSmsBatch } from './twilio.inbound.ts';
import type { TwilioMediaJob } from './twilio.media.ts';
import { twilioDownError, twilioErrorOf, twilioRest, twilioUnavailable } from './twilio.rest.ts';
import { a2pWarningFor } from './twilio.errors.ts';
import { publicUrlReachability } from './twilio.setup.ts';
import type { TwilioRecordingJob } from './twilio.recording.ts';
import { handleVoice, voicePaths } from './twilio.voice.ts';
import { disconnectVoice, connectVoice, voiceSetSchema, voiceReplacedSchema } from './twilio.voice-setup.ts';
import type { WalletService } from '../../wallet/index.ts';

const options = z.strictObject({
  /** One of the account's numbers (GET /api/v1/connections/twilio/numbers lists them). */
  phoneNumber: e164,
  /**
   * Record outgoing calls (both parties, each on a channel of its own) into the owner's
   * Storage. Off unless asked for: in many places the other party must be told.
   */
  recordOutgoingCalls: z.boolean().default(false),
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

const statusSchema = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/),
  AccountSid: sid('AC'),
  MessageStatus: z.string().min(1).max(40),
  ErrorCode: z.coerce.number().int().min(0).max(999_999).optional(),
});

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

export interface TwilioConnectorDeps {
  outbox: Pick<EventOutbox, 'append' | 'appendMany'>;
  jobs: Pick<JobsModule, 'enqueue'>;
  mediaJob: TwilioMediaJob;
  recordingJob: TwilioRecordingJob;
  /** Applies status callbacks that arrived before their message was stored. */
  pendingStatusJob: TwilioPendingStatusJob;
  /** Seals the API Key connect creates into the credential. */
  wallet: Pick<WalletService, 'addSecretFields'>;
}

/** Twilio messaging (issue 12): a connection per number; SMS/MMS in by webhook, status callbacks. */
export function createTwilioConnector(deps: TwilioConnectorDeps) {
  return defineConnector({
    provider: 'twilio',
    capabilities: ['sms', 'voice'],
    options,
    // Read by each outgoing call's TwiML; the number is what the connection is.
    editableOptions: ['recordOutgoingCalls'],

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
      // A TwiML App or Messaging Service on the number takes its texts or calls: Twilio would
      // ignore the URLs connect sets, and nothing would reach the hub. Changed by nobody but its owner.
      const taken = [
        number.smsApplicationSid ? `texts to ${number.smsApplicationSid}` : undefined,
        number.voiceApplicationSid ? `calls to ${number.voiceApplicationSid}` : undefined,
      ].filter((one): one is string => one !== undefined);
      if (taken.length > 0)
        throw new ConflictError(
          `Twilio sends ${number.phoneNumber}'s ${taken.join(' and its ')} (a TwiML App or Messaging Service), so it would ignore this hub's webhooks. In the Twilio Console, remove the number from that TwiML App / Messaging Service, then connect it again.`,
          'number_in_use',
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
        .catch(rethrowForTest);
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
      batch: inboundSmsBatch<z.output<typeof options>>({
        outbox: deps.outbox,
        jobs: deps.jobs,
        mediaJob: deps.mediaJob,
        accountSidOf: (state) => stateSchema.safeParse(state).data?.accountSid,
      }),
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
          if (!next) return { status: 204 };
          const result = await patchMessage(tx, connection.ownerId, ingest, status.MessageSid, (row) =>
            statusPatch(row, next, status.ErrorCode),
          );
          // Before the send stored its message: kept and applied once it is (Twilio never resends it).
          if (result === 'missing')
            await keepPendingStatus(tx, deps.jobs, deps.pendingStatusJob, {
              ownerId: connection.ownerId,
              connectionId: connection.id,
              messageSid: status.MessageSid,
              status: next,
              errorCode: status.ErrorCode,
            });
          return { status: 204 };
        }
        throw new ValidationError(`No handler for the ${request.path} webhook.`);
      },
    },
  });
}

/** Twilio's REST failures as ConnectorErrors: 401/403 the credential, 404 the number, 5xx/unreachable and others retryable. */
function rethrow(error: unknown): never {
  // Twilio down (5xx) or not reachable: the connectors service answers 502 (connect) with this.
  const down = twilioUnavailable(error);
  if (down) throw new ConnectorError('provider', `${down} Check status.twilio.com.`);
  const twilioError = twilioErrorOf(error);
  if (!twilioError) throw error;
  if (twilioError.status === 401 || twilioError.status === 403)
    throw new ConnectorError(
      'credential',
      `Twilio refused the credential (${twilioError.message}): test it in the wallet.`,
    );
  if (twilioError.status === 404)
    throw new ConnectorError('account', 'Twilio does not know this number in this account any more: connect another.');
  throw new ConnectorError('provider', `Twilio answered HTTP ${twilioError.status}: ${twilioError.message}.`);
}

/**
 * rethrow for test(): the connectors service passes a 'provider' failure of test() on as it
 * is (it would be a 500), so Twilio failing is a 502 here, with what to do.
 */
function rethrowForTest(error: unknown): never {
  const down = twilioDownError(error);
  if (down) throw down;
  try {
    rethrow(error);
  } catch (mapped) {
    if (mapped instanceof ConnectorError && mapped.kind === 'provider')
      throw new UserError(502, 'provider_error', `${mapped.message} Try again in a moment.`);
    throw mapped;
  }
}
