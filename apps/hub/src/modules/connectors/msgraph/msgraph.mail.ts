import { ConnectorError, type EmailAddress, type MailCapability, type OutgoingEmail } from '../connectors.contract.ts';
import { graphErrorOf } from './msgraph.errors.ts';
import { messageItem } from './msgraph.mapping.ts';
import type { MsgraphOptions } from './msgraph.options.ts';
import { preferImmutable, type MsgraphContext, type MsgraphWriteDeps, type Obj } from './msgraph.write.ts';

/**
 * Graph takes a file attachment inline in one request up to 3 MB (larger ones need an upload
 * session to outlook.office.com, which this connector does not do): refused before anything is sent.
 */
export const maxInlineAttachmentBytes = 3 * 1024 * 1024;

const recipients = (list: EmailAddress[] | undefined) =>
  (list ?? []).map((r) => ({ emailAddress: r.name ? { address: r.address, name: r.name } : { address: r.address } }));

const messageId = (id: string) => `/me/messages/${encodeURIComponent(id)}`;

/**
 * Mail write-back (issue 13 §5) as Microsoft documents it for immutable ids: the message is
 * made as a draft (POST /me/messages, or createReply on the message answered, which keeps its
 * conversation, In-Reply-To and References), filled in (PATCH), given its attachments, then
 * sent (POST .../send). With `Prefer: IdType="ImmutableId"` the draft's id is the id the copy in
 * Sent Items keeps, so the item the hub ingests now and the one the next Sent Items delta
 * brings are the same entity (source msgraph + id): the sent mail appears once.
 */
export function createMsgraphMail(deps: MsgraphWriteDeps): MailCapability<MsgraphOptions> {
  async function send(context: MsgraphContext, email: OutgoingEmail) {
    const files = email.attachments ?? [];
    const big = files.find((file) => file.content.length > maxInlineAttachmentBytes);
    if (big)
      throw new ConnectorError(
        'account',
        `"${big.name.slice(0, 100)}" is larger than the 3 MB Outlook takes in one request: share it as a link instead.`,
      );
    const graph = deps.clientFor(context);
    const headers = { prefer: preferImmutable };
    const content: Obj = {
      subject: email.subject,
      body: email.html ? { contentType: 'HTML', content: email.html } : { contentType: 'Text', content: email.text },
      toRecipients: recipients(email.to),
      ccRecipients: recipients(email.cc),
      bccRecipients: recipients(email.bcc),
    };
    let draft: Obj;
    if (email.replyTo) {
      // The reply draft carries the thread (conversationId, In-Reply-To); our text and recipients replace its defaults.
      const reply = await graph.json<Obj>({
        method: 'POST',
        url: `${messageId(email.replyTo.externalId)}/createReply`,
        headers,
        json: {},
      });
      if (typeof reply.id !== 'string') throw new ConnectorError('provider', 'Microsoft Graph made no reply draft.');
      draft = await graph.json<Obj>({ method: 'PATCH', url: messageId(reply.id), headers, json: content });
    } else {
      draft = await graph.json<Obj>({ method: 'POST', url: '/me/messages', headers, json: content });
    }
    const id = draft.id;
    if (typeof id !== 'string') throw new ConnectorError('provider', 'Microsoft Graph made no draft to send.');

    const attached: Obj[] = [];
    try {
      for (const file of files) {
        attached.push(
          await graph.json<Obj>({
            method: 'POST',
            url: `${messageId(id)}/attachments`,
            headers,
            json: {
              '@odata.type': '#microsoft.graph.fileAttachment',
              name: file.name,
              contentType: file.contentType,
              contentBytes: file.content.toString('base64'),
            },
          }),
        );
      }
      const sent = await graph.send({ method: 'POST', url: `${messageId(id)}/send`, headers });
      if (sent.status < 200 || sent.status >= 300) throw graphErrorOf(sent.status, sent.body);
    } catch (error) {
      // Nothing went out: the half-made draft is removed so it does not linger in Drafts.
      await graph.send({ method: 'DELETE', url: messageId(id) }).catch(() => undefined);
      throw error;
    }

    const self = { emailAddress: { address: context.label } };
    const item = messageItem(
      {
        ...draft,
        from: draft.from ?? self,
        sender: draft.sender ?? self,
        isRead: true,
        sentDateTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
      {
        folder: 'sentitems',
        self: context.label,
        attachments: attached.map((a) => ({ ...a, size: a.size ?? 0 })),
      },
    );
    return { item };
  }

  return {
    send,

    async attachment(context, message, attachmentId) {
      const attachment = await deps.clientFor(context).json<Obj>({
        url: `${messageId(message.externalId)}/attachments/${encodeURIComponent(attachmentId)}`,
        headers: { prefer: preferImmutable },
      });
      // Only a file attachment has bytes; an attached Outlook item or a cloud link is opened in Outlook.
      if (typeof attachment.contentBytes !== 'string')
        throw new ConnectorError(
          'account',
          'This attachment is an Outlook item or a link, not a file: open it in Outlook.',
        );
      return {
        name: typeof attachment.name === 'string' ? attachment.name : 'attachment',
        contentType: typeof attachment.contentType === 'string' ? attachment.contentType : 'application/octet-stream',
        content: Buffer.from(attachment.contentBytes, 'base64'),
      };
    },

    async setRead(context, message, read) {
      await deps.clientFor(context).json({
        method: 'PATCH',
        url: messageId(message.externalId),
        headers: { prefer: preferImmutable },
        json: { isRead: read },
      });
    },
  };
}
