import twilio from 'twilio';
import { z } from 'zod';
import { normalizePhone } from '@made-open/shared';
import { ValidationError } from '../../../platform/errors.ts';
import type { EventOutbox } from '../../events/index.ts';
import type { JobsModule } from '../../jobs/index.ts';
import type { WebhookContext, WebhookRequest, WebhookResponse } from '../connectors.contract.ts';
import {
  callAdvances,
  callItem,
  callStatusOf,
  emitCallEvents,
  lockCall,
  patchCall,
  type CallStatus,
} from './twilio.calls.ts';
import { personFor } from './twilio.messages.ts';
import { parse as parseForm, sid } from './twilio.form.ts';
import type { TwilioRecordingJob } from './twilio.recording.ts';

/** The voice webhooks' sub-paths under /webhooks/twilio/<connectionId>/. */
export const voicePaths = [
  'voice-outgoing',
  'voice-incoming',
  'voice-dial-done',
  'voice-voicemail-done',
  'voice-status',
  'voice-recording',
  'voice-call-recording',
] as const;

/**
 * The Voice SDK identity of a user: stable, opaque (no email), only letters, digits and `_`
 * as Twilio allows. Every browser the user has open registers with it, so all of them ring.
 */
export const voiceIdentityOf = (userId: string) => `user_${userId.replace(/-/g, '')}`;

/** How long an incoming call rings the browsers before it goes to voicemail. */
const ringSeconds = 20;
const voicemailSeconds = 120;

const callSid = sid('CA');

// Twilio's voice request fields (integrations.md §1.6); others may be added without notice.
const outgoingSchema = z.object({
  CallSid: callSid,
  AccountSid: sid('AC'),
  ApplicationSid: sid('AP'),
  From: z.string().min(1).max(200),
  To: z.string().min(1).max(64),
});
const incomingSchema = z.object({
  CallSid: callSid,
  AccountSid: sid('AC'),
  From: z.string().min(1).max(200),
  To: z.string().min(1).max(64),
});
const dialDoneSchema = z.object({
  CallSid: callSid,
  AccountSid: sid('AC'),
  DialCallStatus: z.string().min(1).max(40),
  DialCallDuration: z.coerce.number().int().min(0).max(604_800).optional(),
});
const statusSchema = z.object({
  CallSid: callSid,
  AccountSid: sid('AC'),
  ParentCallSid: callSid.optional(),
  CallStatus: z.string().min(1).max(40),
  CallDuration: z.coerce.number().int().min(0).max(604_800).optional(),
});
const recordingSchema = z.object({
  CallSid: callSid,
  AccountSid: sid('AC'),
  RecordingSid: sid('RE'),
  RecordingStatus: z.string().min(1).max(40),
  RecordingDuration: z.coerce.number().int().min(0).max(604_800).optional(),
});
// An outgoing call's <Dial record>: 2 channels for record-from-answer-dual.
const callRecordingSchema = recordingSchema.extend({
  RecordingChannels: z.coerce.number().int().min(1).max(2).optional(),
});

/** State connect keeps that the voice webhooks need. */
export interface VoiceState {
  accountSid: string | undefined;
  applicationSid: string | undefined;
}

export interface VoiceDeps {
  outbox: Pick<EventOutbox, 'append'>;
  jobs: Pick<JobsModule, 'enqueue'>;
  recordingJob: TwilioRecordingJob;
}

/** The connection's options as the connector's schema outputs them. */
export interface VoiceOptions {
  phoneNumber: string;
  recordOutgoingCalls: boolean;
}

type Context = WebhookContext<VoiceOptions>;

const parse = <S extends z.ZodType>(schema: S, request: WebhookRequest) => parseForm(schema, request, 'voice');

const twiml = (response: twilio.twiml.VoiceResponse): WebhookResponse => ({
  status: 200,
  contentType: 'text/xml',
  body: response.toString(),
});

/** The sibling webhook URL (PUBLIC_URL/webhooks/twilio/<id>/<path>) of the one Twilio called. */
function sibling(request: WebhookRequest, path: string) {
  const url = new URL(request.url);
  url.search = '';
  url.pathname = url.pathname.replace(/[^/]+$/, path);
  return url.toString();
}

/**
 * Outgoing: dial the number the browser asked for, from the connected number; with
 * `record`, both parties from the answer on, each on a channel of its own.
 */
function dialTwiml(request: WebhookRequest, callerId: string, to: string, record: boolean) {
  const response = new twilio.twiml.VoiceResponse();
  const recording: Parameters<twilio.twiml.VoiceResponse['dial']>[0] = record
    ? {
        record: 'record-from-answer-dual',
        recordingStatusCallback: sibling(request, 'voice-call-recording'),
        recordingStatusCallbackMethod: 'POST',
        // Only the finished recording: the job fetches it then.
        recordingStatusCallbackEvent: ['completed'],
      }
    : {};
  response
    .dial({ callerId, answerOnBridge: true, action: sibling(request, 'voice-dial-done'), method: 'POST', ...recording })
    .number(
      {
        statusCallback: sibling(request, 'voice-status'),
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      },
      to,
    );
  return twiml(response);
}

/** Incoming: ring every browser of the user; the Dial's action decides on voicemail. */
function ringTwiml(request: WebhookRequest, identity: string) {
  const response = new twilio.twiml.VoiceResponse();
  response
    .dial({ timeout: ringSeconds, answerOnBridge: true, action: sibling(request, 'voice-dial-done'), method: 'POST' })
    .client(identity);
  return twiml(response);
}

function voicemailTwiml(request: WebhookRequest) {
  const response = new twilio.twiml.VoiceResponse();
  response.say('Nobody can take your call. Please leave a message after the beep.');
  response.record({
    maxLength: voicemailSeconds,
    playBeep: true,
    // Without an action Twilio would request this document again, and record again.
    action: sibling(request, 'voice-voicemail-done'),
    method: 'POST',
    recordingStatusCallback: sibling(request, 'voice-recording'),
    recordingStatusCallbackMethod: 'POST',
    recordingStatusCallbackEvent: ['completed'],
  });
  response.hangup();
  return twiml(response);
}

function hangupTwiml() {
  const response = new twilio.twiml.VoiceResponse();
  response.hangup();
  return twiml(response);
}

/** The voice webhooks (issue 12 §5), validated like the SMS ones before they get here. */
export async function handleVoice(deps: VoiceDeps, state: VoiceState, ctx: Context): Promise<WebhookResponse> {
  const { connection, request, ingest, tx } = ctx;
  const ownerId = connection.ownerId;
  const sameAccount = (accountSid: string) => {
    if (accountSid !== state.accountSid) throw new ValidationError('This request is for another Twilio account.');
  };

  switch (request.path) {
    case 'voice-outgoing': {
      const call = parse(outgoingSchema, request);
      sameAccount(call.AccountSid);
      if (call.ApplicationSid !== state.applicationSid)
        throw new ValidationError("This request is for another TwiML App than this connection's.");
      if (call.From !== `client:${voiceIdentityOf(ownerId)}`)
        throw new ValidationError("Only the number's owner calls out through it.");
      const to = normalizePhone(call.To);
      if (!to || !/^\+[1-9][0-9]{6,14}$/.test(to))
        throw new ValidationError('To: a phone number with its country code, like +1 415 555 0100.');
      // A replayed CallSid is answered the same and changes nothing.
      if (!(await lockCall(tx, ownerId, call.CallSid))) {
        await personFor(tx, ownerId, ingest, to);
        await ingest([
          callItem({
            callSid: call.CallSid,
            direction: 'outbound',
            from: connection.label,
            to,
            ownNumber: connection.label,
            status: 'ringing',
            startedAt: new Date().toISOString(),
          }),
        ]);
      }
      return dialTwiml(request, connection.label, to, connection.options.recordOutgoingCalls === true);
    }

    case 'voice-incoming': {
      const call = parse(incomingSchema, request);
      sameAccount(call.AccountSid);
      if (call.To !== connection.label) throw new ValidationError('This call is for another number.');
      if (!(await lockCall(tx, ownerId, call.CallSid))) {
        const from = normalizePhone(call.From) ?? call.From;
        if (/^\+[1-9][0-9]{6,14}$/.test(from)) await personFor(tx, ownerId, ingest, from);
        await ingest([
          callItem({
            callSid: call.CallSid,
            direction: 'inbound',
            from,
            to: call.To,
            ownNumber: connection.label,
            status: 'ringing',
            startedAt: new Date().toISOString(),
          }),
        ]);
      }
      return ringTwiml(request, voiceIdentityOf(ownerId));
    }

    case 'voice-dial-done': {
      const done = parse(dialDoneSchema, request);
      sameAccount(done.AccountSid);
      const answered = done.DialCallStatus === 'completed' || done.DialCallStatus === 'answered';
      const patched = await patchCall(tx, ownerId, ingest, done.CallSid, (row) => {
        const current = row.properties.status as CallStatus | undefined;
        const inbound = row.properties.direction === 'inbound';
        const next: CallStatus | undefined = answered
          ? 'completed'
          : inbound
            ? 'missed'
            : callStatusOf(done.DialCallStatus);
        if (!next || !callAdvances(current, next)) return undefined;
        return answered && done.DialCallDuration !== undefined
          ? { status: next, durationSeconds: done.DialCallDuration }
          : { status: next };
      });
      if (patched) await emitCallEvents(tx, deps.outbox, connection, patched);
      const row = patched ? undefined : await lockCall(tx, ownerId, done.CallSid);
      const inbound = (patched?.properties ?? row?.properties)?.direction === 'inbound';
      // An incoming call nobody took goes to voicemail; every other Dial simply ends.
      return inbound && !answered ? voicemailTwiml(request) : hangupTwiml();
    }

    case 'voice-voicemail-done': {
      const done = parse(incomingSchema.pick({ CallSid: true, AccountSid: true }), request);
      sameAccount(done.AccountSid);
      return hangupTwiml();
    }

    case 'voice-status': {
      const status = parse(statusSchema, request);
      sameAccount(status.AccountSid);
      const mapped = callStatusOf(status.CallStatus);
      // The PSTN leg of an outgoing call reports with its parent's (the browser leg's) CallSid.
      const key = status.ParentCallSid ?? status.CallSid;
      const child = status.ParentCallSid !== undefined;
      const patched = await patchCall(tx, ownerId, ingest, key, (row) => {
        const current = row.properties.status as CallStatus | undefined;
        const inbound = row.properties.direction === 'inbound';
        let next: CallStatus | undefined = mapped;
        if (!child && mapped && mapped !== 'ringing' && mapped !== 'in_progress') {
          // The leg that reached the hub ended. Inbound: unanswered when still ringing (the
          // caller hung up), otherwise dial-done decided; outbound: what the PSTN leg missed.
          if (current === 'ringing') next = inbound ? 'missed' : 'canceled';
          else if (current === 'in_progress') next = 'completed';
          else next = undefined;
        } else if (!child && inbound) next = undefined; // an inbound call "in progress" is only ringing
        const changes: Record<string, unknown> = {};
        if (next && callAdvances(current, next)) changes.status = next;
        const ends = (changes.status ?? current) === 'completed';
        if (ends && status.CallDuration !== undefined && row.properties.durationSeconds === undefined)
          changes.durationSeconds = status.CallDuration;
        return Object.keys(changes).length > 0 ? changes : undefined;
      });
      if (patched) await emitCallEvents(tx, deps.outbox, connection, patched);
      return { status: 204 };
    }

    case 'voice-recording': {
      const recording = parse(recordingSchema, request);
      sameAccount(recording.AccountSid);
      if (recording.RecordingStatus !== 'completed') return { status: 204 };
      const patched = await patchCall(tx, ownerId, ingest, recording.CallSid, (row) => {
        if (row.properties.recording !== undefined) return undefined; // replayed
        const current = row.properties.status as CallStatus | undefined;
        return {
          recording: {
            sid: recording.RecordingSid,
            ...(recording.RecordingDuration === undefined ? {} : { durationSeconds: recording.RecordingDuration }),
          },
          ...(row.properties.direction === 'inbound' && callAdvances(current, 'voicemail')
            ? { status: 'voicemail' }
            : {}),
        };
      });
      if (patched)
        // The audio is fetched by a job: Twilio gets its answer at once.
        await deps.jobs.enqueue(tx, deps.recordingJob, {
          connectionId: connection.id,
          ownerId,
          callSid: recording.CallSid,
          recordingSid: recording.RecordingSid,
          kind: 'voicemail',
        });
      return { status: 204 };
    }

    case 'voice-call-recording': {
      // An outgoing call's recording (recordOutgoingCalls). Taken even if the option was turned
      // off since: Twilio made the recording when the call began, and it is the owner's.
      const recording = parse(callRecordingSchema, request);
      sameAccount(recording.AccountSid);
      if (recording.RecordingStatus !== 'completed') return { status: 204 };
      // Keyed by the call that ran the Dial (the browser leg, the one stored). Its status is left
      // alone, so a recording before the call's "completed" (or after it) changes only this.
      const patched = await patchCall(tx, ownerId, ingest, recording.CallSid, (row) => {
        if (row.properties.direction !== 'outbound') return undefined; // incoming calls are not recorded
        if (row.properties.recording !== undefined) return undefined; // replayed
        return {
          recording: {
            sid: recording.RecordingSid,
            ...(recording.RecordingDuration === undefined ? {} : { durationSeconds: recording.RecordingDuration }),
          },
        };
      });
      if (patched)
        // Fetched by a job (retried there): Twilio gets its answer at once.
        await deps.jobs.enqueue(tx, deps.recordingJob, {
          connectionId: connection.id,
          ownerId,
          callSid: recording.CallSid,
          recordingSid: recording.RecordingSid,
          kind: 'call',
          ...(recording.RecordingChannels === undefined ? {} : { channels: recording.RecordingChannels }),
        });
      return { status: 204 };
    }

    default:
      throw new ValidationError(`There is no Twilio webhook ${request.path}.`);
  }
}
