import { ConnectorError, type EmailAddress, type MailCapability, type OutgoingEmail } from '../connectors.contract.ts';
import type { GraphClient } from './msgraph.client.ts';
import { graphErrorOf } from './msgraph.errors.ts';
import { messageItem } from './msgraph.mapping.ts';
import type { MsgraphOptions } from './msgraph.options.ts';
import { preferImmutable, type MsgraphContext, type MsgraphWriteDeps, type Obj } from './msgraph.write.ts';

/** Graph takes a file attachment inline in one request up to 3 MB; a larger one goes through an upload session. */
export const maxInlineAttachmentBytes = 3 * 1024 * 1024;
/** An upload session takes files up to 150 MB (Outlook's own message limit is usually lower). */
export const maxSessionAttachmentBytes = 150 * 1024 * 1024;
/** Bytes per PUT: under Outlook's 4 MB per range, a multiple of 320 KiB as Microsoft's upload guidance asks. */
export const uploadRangeBytes = 10 * 320 * 1024;

const recipients = (list: EmailAddress[] | undefined) =>
  (list ?? []).map((r) => ({ emailAddress: r.name ? { address: r.address, name: r.name } : { address: r.address } }));

type OutgoingAttachment = NonNullable<OutgoingEmail['attachments']>[number];

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
  /**
   * A file over 3 MB (Microsoft's "attach large files" walkthrough): an upload session on the
   * draft, then its bytes in order, each range starting where Outlook says it expects the next;
   * the last PUT answers 201 with a Location naming the attachment.
   */
  async function uploadLarge(graph: GraphClient, draftId: string, file: OutgoingAttachment): Promise<Obj> {
    const session = await graph.json<Obj>({
      method: 'POST',
      url: `${messageId(draftId)}/attachments/createUploadSession`,
      json: {
        AttachmentItem: {
          attachmentType: 'file',
          name: file.name,
          size: file.content.length,
          contentType: file.contentType,
        },
      },
    });
    if (typeof session.uploadUrl !== 'string')
      throw new ConnectorError('provider', 'Microsoft Graph made no upload session for the attachment.');
    const total = file.content.length;
    let start = 0;
    // Each range moves forward, so a well-behaved server ends this in ceil(total / range) PUTs.
    for (let puts = 0; puts <= Math.ceil(total / uploadRangeBytes) + 2; puts += 1) {
      const bytes = file.content.subarray(start, Math.min(total, start + uploadRangeBytes));
      const answer = await graph.uploadRange(session.uploadUrl, { start, bytes, total });
      if (answer.status === 201) {
        const attachmentId = /Attachments\('([^']+)'\)/.exec(answer.headers.location ?? '')?.[1];
        return { id: attachmentId, name: file.name, contentType: file.contentType, size: total };
      }
      if (answer.status !== 200) throw graphErrorOf(answer.status, answer.body);
      const next = Number.parseInt(String((answer.body as Obj | undefined)?.nextExpectedRanges ?? ''), 10);
      if (!Number.isInteger(next) || next <= start || next > total)
        throw new ConnectorError('provider', 'Outlook stopped accepting the attachment part way through.');
      start = next;
    }
    throw new ConnectorError('provider', 'Outlook did not finish taking the attachment.');
  }

  async function send(context: MsgraphContext, email: OutgoingEmail) {
    const files = email.attachments ?? [];
    const huge = files.find((file) => file.content.length > maxSessionAttachmentBytes);
    if (huge)
      throw new ConnectorError(
        'account',
        `"${huge.name.slice(0, 100)}" is larger than the 150 MB Outlook takes: share it as a link instead.`,
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
          file.content.length > maxInlineAttachmentBytes
            ? await uploadLarge(graph, id, file)
            : await graph.json<Obj>({
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
