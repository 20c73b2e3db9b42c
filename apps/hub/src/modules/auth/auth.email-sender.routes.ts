import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { emailSenderInputSchema, emailSenderSchema } from '@made-open/shared/email-sender-api';
import { z } from 'zod';
import { requireUser } from '../../platform/http/authentication.ts';
import type { EmailService } from './auth.email.service.ts';

const tags = ['settings'];
const ownerNote = " The hub's owner only (403 not_hub_owner for anyone else). The password is never returned.";

/** /api/v1/settings/email-sender: the SMTP account the hub's mail goes out through (platform error shape). */
export function emailSenderRoutes(email: EmailService) {
  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/api/v1/settings/email-sender',
      {
        schema: {
          tags,
          summary: "The hub's email sender (SMTP)",
          description: ownerNote,
          response: { 200: emailSenderSchema },
        },
      },
      async (request) => email.sender(await requireUser(request)),
    );
    app.put(
      '/api/v1/settings/email-sender',
      {
        schema: {
          tags,
          summary: 'Set the SMTP account password recovery, confirmation and magic-link mail goes out through',
          description: `The password is stored encrypted (AES-256-GCM, key in DATA_DIR/auth-email-key).${ownerNote}`,
          body: emailSenderInputSchema,
          response: { 200: emailSenderSchema },
        },
      },
      async (request) => email.saveSender(await requireUser(request), request.body),
    );
    app.delete(
      '/api/v1/settings/email-sender',
      {
        schema: {
          tags,
          summary: 'Remove the email sender: recovery and email sign-in are off',
          description: ownerNote,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await email.removeSender(await requireUser(request));
        return reply.status(204).send(null);
      },
    );
    app.post(
      '/api/v1/settings/email-sender/test',
      {
        schema: {
          tags,
          summary: 'Send the owner a test mail through the sender',
          description: `400 with the mail server's answer when it refuses.${ownerNote}`,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await email.testSender(await requireUser(request));
        return reply.status(204).send(null);
      },
    );
  };
}
