import { randomBytes } from 'node:crypto';
import type { Route, RouteAnswer } from './server.ts';
import { collectionOf, remove, type StandInAccount, type StandInState } from './state.ts';
import { folderKey } from './mail.ts';
import { badRequest, find, isObject, notFound, save, type Body } from './versions.ts';

const id = (prefix: string) => `AAMkAD-${prefix}-${randomBytes(8).toString('hex')}`;
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const writable = ['subject', 'body', 'toRecipients', 'ccRecipients', 'bccRecipients', 'isRead', 'importance'];

/**
 * Moves a message as Graph does with immutable ids (POST /me/messages/{id}/move): the same id
 * in the target folder with a new changeKey; the source folder's delta reports `@removed`, the
 * target folder's delta the message, and GET /me/messages/{id} still answers it.
 */
export function moveMessage(account: StandInAccount, messageId: string, folder: string): Body | undefined {
  const found = locate(account, messageId);
  if (!found) return undefined;
  const target = `mail:${folder}`;
  if (found.resource === target) return found.body;
  remove(account, found.resource, messageId);
  return save(account, target, { ...found.body, parentFolderId: folder });
}

/** The message and its folder, in whichever folder it is. */
export function locate(account: StandInAccount, messageId: string): { resource: string; body: Body } | undefined {
  for (const resource of account.collections.keys()) {
    if (!resource.startsWith('mail:')) continue;
    const body = find(account, resource, messageId);
    if (body) return { resource, body };
  }
  return undefined;
}

function validRecipients(value: unknown) {
  return (
    value === undefined ||
    (Array.isArray(value) &&
      value.every((r) => isObject(r) && isObject(r.emailAddress) && typeof r.emailAddress.address === 'string'))
  );
}

/**
 * STAND-IN mail writes (Graph v1.0 message resource): POST /me/sendMail (202, the copy in
 * Sent Items), POST /me/messages (a draft), POST /me/messages/{id}/createReply (a draft in
 * the conversation, RE: subject, to the sender), PATCH /me/messages/{id}, POST
 * /me/messages/{id}/attachments (fileAttachment with contentBytes), GET
 * /me/messages/{id}/attachments/{aid} (with contentBytes), POST /me/messages/{id}/send
 * (202; the draft moves to Sent Items keeping its id, as immutable ids do), DELETE.
 * Every write is a new version that the next delta of its folder reports.
 */
export function mailWriteRoutes(_state: StandInState): Route[] {
  const self = (account: StandInAccount) => ({ emailAddress: { name: account.displayName, address: account.mail } });

  function draftOf(account: StandInAccount, json: Record<string, unknown>, extra: Record<string, unknown> = {}): Body {
    const conversation = `AAQkAD-conv-${randomBytes(6).toString('hex')}`;
    return {
      id: id('draft'),
      subject: '',
      body: { contentType: 'text', content: '' },
      toRecipients: [],
      ccRecipients: [],
      bccRecipients: [],
      ...Object.fromEntries(writable.filter((k) => json[k] !== undefined).map((k) => [k, json[k]])),
      from: self(account),
      sender: self(account),
      isDraft: true,
      isRead: true,
      hasAttachments: false,
      conversationId: conversation,
      internetMessageId: `<${randomBytes(8).toString('hex')}@contoso.example>`,
      createdDateTime: now(),
      receivedDateTime: now(),
      sentDateTime: null,
      parentFolderId: 'drafts',
      ...extra,
    };
  }

  const checkFields = (json: Record<string, unknown>): RouteAnswer | undefined => {
    for (const field of ['toRecipients', 'ccRecipients', 'bccRecipients'])
      if (!validRecipients(json[field])) return badRequest(`${field} must be a list of recipients.`);
    if (json.subject !== undefined && typeof json.subject !== 'string') return badRequest('subject must be a string.');
    return undefined;
  };

  return [
    {
      method: 'POST',
      pattern: /^\/me\/sendMail$/,
      handle: ({ account, json }) => {
        const message = isObject(json) && isObject(json.message) ? json.message : undefined;
        if (!message) return badRequest('The message is required.');
        const invalid = checkFields(message);
        if (invalid) return invalid;
        const sent = draftOf(account, message, {
          id: id('sent'),
          isDraft: false,
          sentDateTime: now(),
          parentFolderId: 'sentitems',
        });
        if ((json as { saveToSentItems?: unknown }).saveToSentItems !== false) save(account, 'mail:sentitems', sent);
        return { status: 202 };
      },
    },
    {
      method: 'POST',
      pattern: /^\/me\/messages$/,
      handle: ({ account, json }) => {
        const input = isObject(json) ? json : {};
        const invalid = checkFields(input);
        if (invalid) return invalid;
        return { status: 201, json: save(account, 'mail:drafts', draftOf(account, input)) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/me\/messages\/([^/]+)\/createReply$/,
      handle: ({ account, match }) => {
        const original = locate(account, decodeURIComponent(match[1]!));
        if (!original) return notFound();
        const subject = String(original.body.subject ?? '');
        const draft = draftOf(
          account,
          {},
          {
            subject: /^re:/i.test(subject) ? subject : `RE: ${subject}`,
            toRecipients: [original.body.from],
            conversationId: original.body.conversationId,
            body: { contentType: 'html', content: `<hr><p>${String(original.body.bodyPreview ?? '')}</p>` },
          },
        );
        return { status: 201, json: save(account, 'mail:drafts', draft) };
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/me\/messages\/([^/]+)$/,
      handle: ({ account, match, json }) => {
        const found = locate(account, decodeURIComponent(match[1]!));
        if (!found) return notFound();
        const input = isObject(json) ? json : {};
        const invalid = checkFields(input);
        if (invalid) return invalid;
        if (input.isRead !== undefined && typeof input.isRead !== 'boolean')
          return badRequest('isRead must be a boolean.');
        // Only a draft's content can change; a received or sent message takes its flags.
        const fields = found.body.isDraft ? writable : ['isRead', 'importance'];
        const changes = Object.fromEntries(fields.filter((k) => input[k] !== undefined).map((k) => [k, input[k]]));
        return { status: 200, json: save(account, found.resource, { ...found.body, ...changes }) };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/me\/messages\/([^/]+)$/,
      handle: ({ account, match }) => {
        const found = locate(account, decodeURIComponent(match[1]!));
        if (!found) return notFound();
        remove(account, found.resource, found.body.id);
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      pattern: /^\/me\/messages\/([^/]+)\/attachments$/,
      handle: ({ account, match, json }) => {
        const found = locate(account, decodeURIComponent(match[1]!));
        if (!found) return notFound();
        const input = isObject(json) ? json : {};
        if (input['@odata.type'] !== '#microsoft.graph.fileAttachment' || typeof input.contentBytes !== 'string')
          return badRequest('A fileAttachment with contentBytes is required.');
        const size = Buffer.from(input.contentBytes, 'base64').length;
        if (size > 3 * 1024 * 1024)
          return { status: 413, json: { error: { code: 'ErrorRequestEntityTooLarge', message: 'Too large.' } } };
        const attachment = {
          '@odata.type': '#microsoft.graph.fileAttachment',
          id: `AAMkAD-att-${randomBytes(6).toString('hex')}`,
          name: String(input.name ?? 'attachment'),
          contentType: String(input.contentType ?? 'application/octet-stream'),
          size,
          isInline: false,
          contentBytes: input.contentBytes,
        };
        const attachments = [...((found.body.attachments as unknown[] | undefined) ?? []), attachment];
        save(account, found.resource, { ...found.body, attachments, hasAttachments: true });
        return { status: 201, json: attachment };
      },
    },
    {
      method: 'GET',
      pattern: /^\/me\/messages\/([^/]+)\/attachments\/([^/]+)$/,
      handle: ({ account, match }) => {
        const found = locate(account, decodeURIComponent(match[1]!));
        const attachmentId = decodeURIComponent(match[2]!);
        const attachment = ((found?.body.attachments as Record<string, unknown>[] | undefined) ?? []).find(
          (a) => a.id === attachmentId,
        );
        return attachment ? { status: 200, json: attachment } : notFound();
      },
    },
    {
      method: 'POST',
      pattern: /^\/me\/messages\/([^/]+)\/move$/,
      handle: ({ account, match, json }) => {
        const destination = isObject(json) ? json.destinationId : undefined;
        if (typeof destination !== 'string' || destination.length === 0)
          return badRequest('destinationId is required.');
        const moved = moveMessage(account, decodeURIComponent(match[1]!), folderKey(destination));
        return moved ? { status: 201, json: moved } : notFound();
      },
    },
    {
      method: 'POST',
      pattern: /^\/me\/messages\/([^/]+)\/send$/,
      handle: ({ account, match }) => {
        const found = locate(account, decodeURIComponent(match[1]!));
        if (!found) return notFound();
        if (!found.body.isDraft) return badRequest('Only a draft can be sent.');
        const to = [found.body.toRecipients, found.body.ccRecipients, found.body.bccRecipients].flat();
        if (to.length === 0) return badRequest('At least one recipient is required.');
        remove(account, found.resource, found.body.id);
        collectionOf(account, 'mail:sentitems');
        save(account, 'mail:sentitems', {
          ...found.body,
          isDraft: false,
          sentDateTime: now(),
          parentFolderId: 'sentitems',
        });
        return { status: 202 };
      },
    },
  ];
}
