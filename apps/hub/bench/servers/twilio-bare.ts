/**
 * The baseline of the Twilio benchmark, in its own process like the hub: a bare Fastify
 * route that only checks X-Twilio-Signature with the twilio package and answers empty
 * TwiML. No database, no auth, nothing stored.
 */
import Fastify from 'fastify';
import twilio from 'twilio';

const [port, authToken, publicUrl] = process.argv.slice(2) as [string, string, string];
const app = Fastify({ logger: false });
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
  done(null, Object.fromEntries(new URLSearchParams(body as string))),
);
const empty = new twilio.twiml.MessagingResponse().toString();
app.post('/webhooks/twilio/:id/sms', async (request, reply) => {
  const signature = String(request.headers['x-twilio-signature'] ?? '');
  const params = request.body as Record<string, string>;
  if (!twilio.validateRequest(authToken, signature, `${publicUrl}${request.url}`, params))
    return reply.status(403).send('');
  return reply.type('text/xml').send(empty);
});
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.stdout.write('ready\n');
