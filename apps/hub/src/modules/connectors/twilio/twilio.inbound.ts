import twilio from 'twilio';
import { z } from 'zod';
import { normalizePhone } from '@made-open/shared';
import { ValidationError } from '../../../platform/errors.ts';
import type { EventOutbox } from '../../events/index.ts';
import type { JobsModule } from '../../jobs/index.ts';
import { webhookBatch, type WebhookRequest, type WebhookResponse } from '../connectors.contract.ts';
import { e164, fieldsOf, parse, sid } from './twilio.form.ts';
import type { MediaJobPayload, TwilioMediaJob } from './twilio.media.ts';
import { holdLive, isPhone, makePersons, smsItem } from './twilio.messages.ts';
import { twilioRepository as repo } from './twilio.repository.ts';

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

interface InboundSms {
  messageSid: string;
  accountSid: string;
  from: string;
  to: string;
  body: string;
  segments: number | undefined;
  media: MediaJobPayload['items'];
  receivedAt: string;
}

const emptyTwiml: WebhookResponse = {
  status: 200,
  contentType: 'text/xml',
  body: new twilio.twiml.MessagingResponse().toString(),
};

/** Reads one signed inbound SMS/MMS webhook (no I/O): a malformed one is a 400 of its own. */
function prepare(request: WebhookRequest): InboundSms {
  const sms = parse(inboundSchema, request);
  const fields = fieldsOf(request);
  const media: InboundSms['media'] = [];
  for (let index = 0; index < sms.NumMedia; index++) {
    const url = fields[`MediaUrl${index}`];
    if (!url || !URL.canParse(url)) throw new ValidationError(`MediaUrl${index} is missing or not a URL.`);
    media.push({ url, contentType: (fields[`MediaContentType${index}`] ?? 'application/octet-stream').slice(0, 200) });
  }
  return {
    messageSid: sms.MessageSid,
    accountSid: sms.AccountSid,
    // A short code (22395) or an alphanumeric sender (VERIFY) stays as Twilio sent it.
    from: normalizePhone(sms.From) ?? sms.From.trim(),
    to: sms.To,
    body: sms.Body,
    segments: sms.NumSegments,
    media,
    receivedAt: new Date().toISOString(),
  };
}

export interface InboundDeps {
  outbox: Pick<EventOutbox, 'appendMany'>;
  jobs: Pick<JobsModule, 'enqueue'>;
  mediaJob: TwilioMediaJob;
  /** The Twilio account a connection's state belongs to. */
  accountSidOf(state: unknown): string | undefined;
}

/**
 * Inbound SMS/MMS, committed in batches (group commit): the texts that arrive together for
 * one number are stored with one lookup of replays, one of senders, one ingest and one
 * append of events, in one transaction, before any of them is answered. A replayed
 * MessageSid (also twice in one batch) changes nothing and gets the same empty TwiML.
 */
export function inboundSmsBatch<Options>(deps: InboundDeps) {
  return webhookBatch<Options, InboundSms>({
    paths: ['sms'],
    prepare,
    async commit({ connection, items, tx, ingest }) {
      const answers: (WebhookResponse | Error)[] = items.map(() => emptyTwiml);
      const accountSid = deps.accountSidOf(connection.state);
      const bySid = new Map<string, InboundSms>();
      items.forEach((sms, index) => {
        if (sms.accountSid !== accountSid || sms.to !== connection.label)
          answers[index] = new ValidationError('This message is for another Twilio account or number.');
        else if (!bySid.has(sms.messageSid)) bySid.set(sms.messageSid, sms);
      });
      if (bySid.size === 0) return answers;
      // One round trip for the replays and the senders; the senders' persons are handed to
      // ingest, which then links the messages without looking the numbers up again.
      // Only phone numbers are persons: a short code or an alphanumeric sender gets no person.
      const senders = [...new Set([...bySid.values()].map((sms) => sms.from).filter(isPhone))];
      const found = await repo.storedAndPersons(tx, connection.ownerId, [...bySid.keys()], senders);
      const fresh = [...bySid.values()].filter((sms) => !found.stored.has(sms.messageSid));
      if (fresh.length === 0) return answers;

      // Held until commit: a merge of a sender waits for this batch, or this batch for it (then
      // the survivor). Known senders were held by the lookup; a new one is made, then all held.
      const persons = found.held
        ? found.persons
        : await holdLive(
            tx,
            connection.ownerId,
            await makePersons(ingest, found.persons, fresh.map((sms) => sms.from).filter(isPhone)),
          );
      const result = await ingest(
        fresh.map((sms) =>
          smsItem({
            messageSid: sms.messageSid,
            direction: 'inbound',
            from: sms.from,
            to: sms.to,
            body: sms.body,
            status: 'received',
            segments: sms.segments,
            personId: persons.get(sms.from) ?? null,
            ownNumber: connection.label,
            media: sms.media.map((item) => ({ contentType: item.contentType })),
            occurredAt: sms.receivedAt,
          }),
        ),
        { knownPersons: [...persons].map(([value, personId]) => ({ kind: 'phone' as const, value, personId })) },
      );
      // Only what this batch created: a message stored meanwhile by another path is not announced twice.
      const created = fresh
        .map((sms, index) => ({ sms, message: result.items[index]! }))
        .filter(({ message }) => message.status === 'created');
      await deps.outbox.appendMany(
        tx,
        created.map(({ sms, message }) => ({
          type: 'comms.SmsReceived' as const,
          ownerId: connection.ownerId,
          subject: message.id,
          actor: { kind: 'connector' as const, id: connection.id },
          data: {
            messageId: message.id,
            connectionId: connection.id,
            personId: persons.get(sms.from) ?? null,
            from: sms.from,
            to: sms.to,
            numMedia: sms.media.length,
          },
        })),
      );
      for (const { sms } of created)
        if (sms.media.length > 0)
          await deps.jobs.enqueue(tx, deps.mediaJob, {
            connectionId: connection.id,
            ownerId: connection.ownerId,
            messageSid: sms.messageSid,
            items: sms.media,
          });
      return answers;
    },
  });
}
