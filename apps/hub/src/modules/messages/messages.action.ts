import { z } from 'zod';
import { UserError } from '../../platform/errors.ts';
import { defineAction } from '../actions/index.ts';
import { sendEmailInput, sendSmsInput, sentEmailView, sentMessageView } from './messages.schemas.ts';
import type { MessagesService } from './messages.service.ts';

/**
 * `messages.send` in the actions registry: the same send as POST /api/v1/messages, for a
 * principal acting for its owner: a user, or a rule holding `messages:send:sms` (granted
 * by its owner when saving it, modules/rules). Invoke it
 * without a transaction: the send makes its own (and calls Twilio between them).
 */
export function messagesSendAction(service: Pick<MessagesService, 'send'>) {
  return defineAction({
    name: 'messages.send',
    description: "Texts a person or a phone number (SMS/MMS) from the owner's connected Twilio number.",
    input: sendSmsInput.extend({ idempotencyKey: z.string().trim().min(1).max(200).optional() }),
    inputLabel: 'message',
    output: sentMessageView,
    // A rule texts only with messages:send:sms, approved by its owner when saving it (modules/rules).
    principals: ['user', 'rule'],
    permission: () => [{ permission: 'messages:send:sms', resource: null, what: 'send text messages' }],
    async run(context, input) {
      if (context.tx) throw new UserError(400, 'invalid_input', 'messages.send runs in a transaction of its own.');
      const { idempotencyKey, ...message } = input;
      const outcome = await service.send(
        { id: context.principal.ownerId, claims: context.caller.claims },
        message,
        idempotencyKey,
      );
      if ('error' in outcome.body) throw new UserError(422, outcome.body.error.code, outcome.body.error.message);
      if (!('sid' in outcome.body.message)) throw new Error('messages.send answered an email for a text.');
      return outcome.body.message;
    },
  });
}

/**
 * `messages.sendEmail`: the same send as POST /api/v1/messages with `channel: "email"`, through
 * the owner's connected mail account, for a user or a rule holding `messages:send:email`
 * (approved by its owner when saving it). Invoke it without a transaction, like messages.send.
 */
export function messagesSendEmailAction(service: Pick<MessagesService, 'send'>) {
  return defineAction({
    name: 'messages.sendEmail',
    description: "Emails people or addresses from the owner's connected mail account.",
    input: sendEmailInput
      .omit({ channel: true })
      .extend({ idempotencyKey: z.string().trim().min(1).max(200).optional() }),
    inputLabel: 'email',
    output: sentEmailView,
    principals: ['user', 'rule'],
    permission: () => [{ permission: 'messages:send:email', resource: null, what: 'send email' }],
    async run(context, input) {
      if (context.tx) throw new UserError(400, 'invalid_input', 'messages.sendEmail runs in a transaction of its own.');
      const { idempotencyKey, ...email } = input;
      const outcome = await service.send(
        { id: context.principal.ownerId, claims: context.caller.claims },
        { channel: 'email', ...email },
        idempotencyKey,
      );
      if ('error' in outcome.body) throw new UserError(422, outcome.body.error.code, outcome.body.error.message);
      if (!('channel' in outcome.body.message)) throw new Error('messages.sendEmail answered a text for an email.');
      return outcome.body.message;
    },
  });
}
