import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../../../platform/errors.ts';
import type { IngestItem } from '../../graph/index.ts';
import { ConnectorError, defineConnector, type WebhookRequest } from '../connectors.contract.ts';
import type { StandInMessage } from './acme-inbox.stand-in.ts';

/**
 * A connector for the test-only Acme Inbox provider: everything a real one does (connect
 * registers a webhook at the provider, disconnect removes it, sync pages a change feed from
 * a cursor, webhooks are HMAC-signed), small enough to read in one go.
 */

/** Acme signs `v1=` + hex HMAC-SHA256(webhook secret, URL + "\n" + raw body). */
export function acmeSignature(secret: string, url: string, rawBody: Buffer | string): string {
  return `v1=${createHmac('sha256', secret).update(`${url}\n`).update(rawBody).digest('hex')}`;
}

const options = z.strictObject({
  mailbox: z.string().regex(/^[a-z0-9-]{1,40}$/, 'A mailbox name: lowercase letters, digits and dashes.'),
  /** Also configure sending (the inbox-send capability). */
  send: z.boolean().default(false),
  pageSize: z.number().int().min(1).max(500).default(50),
});

const messageSchema = z.object({
  id: z.string().min(1).max(200),
  from: z.string().min(3).max(320),
  subject: z.string().max(1000),
  body: z.string().max(100_000),
  sent_at: z.string().datetime({ offset: true }),
});

function itemOf(message: z.infer<typeof messageSchema>, mailbox: string): IngestItem {
  return {
    type: 'message',
    source: 'acme-inbox',
    externalId: message.id,
    title: message.subject,
    body: message.body,
    occurredAt: message.sent_at,
    properties: {
      channel: 'email',
      direction: 'inbound',
      from: message.from,
      to: [`${mailbox}@acme-inbox.example`],
      subject: message.subject,
    },
    people: [{ role: 'from', email: message.from }],
  };
}

const cursorSchema = z.object({ after: z.number().int().min(0) }).nullable();

function webhookMessage(request: WebhookRequest) {
  const raw = request.contentType.startsWith('application/json')
    ? (request.json() as { message?: unknown } | undefined)?.message
    : request.form();
  const parsed = messageSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError('The webhook body is not an Acme message.');
  return parsed.data;
}

export const acmeInboxConnector = defineConnector({
  provider: 'acme-inbox',
  capabilities: ['inbox', 'inbox-send'],
  options,
  configures: (o) => (o.send ? ['inbox', 'inbox-send'] : ['inbox']),

  async connect(ctx) {
    const account = String(ctx.credential.secret.accountId);
    const mailboxPath = `/v1/accounts/${account}/mailboxes/${ctx.options.mailbox}`;
    const mailbox = await ctx.api
      .json<{ id: string; address: string }>({ path: mailboxPath })
      .catch((error: unknown) => {
        if (error instanceof ConnectorError && error.kind === 'account')
          throw new ConnectorError(
            'account',
            `Acme Inbox has no mailbox "${ctx.options.mailbox}" in this account: check its name.`,
          );
        throw error;
      });
    const hook = await ctx.api.json<{ id: string }>({
      method: 'POST',
      path: `${mailboxPath}/webhooks`,
      json: { url: ctx.webhookUrl('messages') },
    });
    return { accountId: `${account}/${mailbox.id}`, label: mailbox.address, state: { webhookId: hook.id } };
  },

  async test(ctx) {
    const mailbox = await ctx.api.json<{ address: string }>({
      path: `/v1/accounts/${String(ctx.credential.secret.accountId)}/mailboxes/${ctx.options.mailbox}`,
    });
    return { message: `Acme Inbox answers for ${mailbox.address}.` };
  },

  async disconnect(ctx) {
    const webhookId = ctx.state.webhookId;
    if (typeof webhookId !== 'string') return;
    const path = `/v1/accounts/${String(ctx.credential.secret.accountId)}/mailboxes/${ctx.options.mailbox}/webhooks/${webhookId}`;
    const response = await ctx.api.request({ method: 'DELETE', path, idempotent: true });
    if (response.status !== 204 && response.status !== 404)
      throw new ConnectorError('provider', `Acme Inbox did not remove the webhook (HTTP ${response.status}).`);
  },

  sync: {
    async page(ctx) {
      const cursor = cursorSchema.parse(ctx.cursor);
      const page = await ctx.api.json<{
        messages: StandInMessage[];
        next_after: number;
        has_more: boolean;
        remaining: number;
      }>({
        path: `/v1/accounts/${String(ctx.credential.secret.accountId)}/mailboxes/${ctx.options.mailbox}/messages`,
        query: { after: cursor?.after ?? 0, limit: ctx.options.pageSize },
      });
      return {
        items: page.messages.map((m) => itemOf(messageSchema.parse(m), ctx.options.mailbox)),
        cursor: { after: page.next_after },
        done: !page.has_more,
        remaining: page.remaining,
      };
    },
  },

  webhooks: {
    paths: ['messages'],
    signature: (request, credential) => ({
      presented: request.headers['x-acme-signature'],
      expected: [acmeSignature(String(credential.secret.webhookSecret), request.url, request.rawBody)],
    }),
    async handle({ connection, request, ingest }) {
      const message = webhookMessage(request);
      const result = await ingest([itemOf(message, connection.options.mailbox)]);
      return {
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ status: result.items[0]?.status }),
      };
    },
  },
});
