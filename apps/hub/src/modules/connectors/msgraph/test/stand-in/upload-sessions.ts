import { randomBytes } from 'node:crypto';
import { locate } from './mail-write.ts';
import type { Route, RouteAnswer } from './server.ts';
import type { StandInAccount, StandInState } from './state.ts';
import { badRequest, isObject, notFound, save } from './versions.ts';

/** Outlook's documented limits for attachment upload sessions. */
const maxAttachmentBytes = 150 * 1024 * 1024;
const maxRangeBytes = 4 * 1024 * 1024;

interface UploadSession {
  account: StandInAccount;
  messageId: string;
  name: string;
  contentType: string;
  size: number;
  authToken: string;
  expiresAt: number;
  chunks: Buffer[];
  received: number;
}

/** Observed by tests: every PUT an upload session received, and whether it carried credentials. */
export interface UploadLog {
  puts: { range: string; bytes: number; authorization: boolean }[];
}

const sessionsOf = new WeakMap<StandInState, Map<string, UploadSession>>();
const logs = new WeakMap<StandInState, UploadLog>();

function sessions(state: StandInState) {
  let map = sessionsOf.get(state);
  if (!map) sessionsOf.set(state, (map = new Map()));
  return map;
}

export function uploadLog(state: StandInState): UploadLog {
  let log = logs.get(state);
  if (!log) logs.set(state, (log = { puts: [] }));
  return log;
}

const outlookError = (status: number, code: string, message: string): RouteAnswer => ({
  status,
  json: { error: { code, message } },
});

/**
 * STAND-IN for attaching a file over 3 MB (Graph v1.0 attachment: createUploadSession, and the
 * PUTs to its pre-authenticated uploadUrl, which Microsoft serves from outlook.office.com; here
 * it is /outlook/api/v2.0/... on the stand-in's own origin). Byte ranges must arrive in order,
 * at most 4 MB each, without an Authorization header; the last one answers 201 with a Location
 * naming the new attachment, which then appears on the message like any file attachment.
 */
export function uploadSessionRoutes(state: StandInState): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/me\/messages\/([^/]+)\/attachments\/createUploadSession$/,
      handle: ({ account, match, json, graphBase }) => {
        const messageId = decodeURIComponent(match[1]!);
        if (!locate(account, messageId)) return notFound();
        const item = isObject(json) && isObject(json.AttachmentItem) ? json.AttachmentItem : undefined;
        if (!item || item.attachmentType !== 'file' || typeof item.name !== 'string')
          return badRequest('AttachmentItem with attachmentType "file" and a name is required.');
        const size = item.size;
        if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0 || size > maxAttachmentBytes)
          return badRequest('AttachmentItem.size must be between 1 byte and 150 MB.');
        const id = `AAMkAD-session-${randomBytes(6).toString('hex')}`;
        const session: UploadSession = {
          account,
          messageId,
          name: item.name,
          contentType: typeof item.contentType === 'string' ? item.contentType : 'application/octet-stream',
          size,
          authToken: randomBytes(24).toString('base64url'),
          expiresAt: Date.now() + 15 * 60_000,
          chunks: [],
          received: 0,
        };
        sessions(state).set(id, session);
        const origin = new URL(graphBase).origin;
        return {
          status: 201,
          json: {
            '@odata.context': `${graphBase}/$metadata#microsoft.graph.uploadSession`,
            uploadUrl: `${origin}/outlook/api/v2.0/Users('${account.id}')/Messages('${encodeURIComponent(messageId)}')/AttachmentSessions('${id}')?authtoken=${session.authToken}`,
            expirationDateTime: new Date(session.expiresAt).toISOString(),
            nextExpectedRanges: ['0-'],
          },
        };
      },
    },
  ];
}

/** The uploadUrl's PUTs: outside /v1.0 and authorised only by the token in the URL. */
export function uploadSessionPutRoutes(state: StandInState): Route[] {
  return [
    {
      method: 'PUT',
      pattern: /^\/outlook\/api\/v2\.0\/Users\('[^']*'\)\/Messages\('[^']*'\)\/AttachmentSessions\('([^']+)'\)$/,
      handle: ({ match, url, headers, bytes }) => {
        const range = String(headers['content-range'] ?? '');
        uploadLog(state).puts.push({ range, bytes: bytes.length, authorization: headers.authorization !== undefined });
        const id = match[1]!;
        const session = sessions(state).get(id);
        if (!session || url.searchParams.get('authtoken') !== session.authToken || session.expiresAt < Date.now())
          return outlookError(401, 'InvalidAuthenticationToken', 'The upload session is unknown or has expired.');
        // Outlook refuses a bearer token here: the URL carries its own.
        if (headers.authorization !== undefined)
          return outlookError(401, 'InvalidAudience', 'Do not send an Authorization header to an upload URL.');
        const parsed = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
        if (!parsed) return outlookError(400, 'InvalidContentRange', 'Content-Range must be bytes start-end/total.');
        const [start, end, total] = parsed.slice(1).map(Number) as [number, number, number];
        if (total !== session.size || start !== session.received || end < start || end >= total)
          return outlookError(
            416,
            'InvalidRange',
            `Expected the range starting at ${session.received} of ${session.size} bytes.`,
          );
        if (end - start + 1 !== bytes.length)
          return outlookError(400, 'InvalidContentLength', 'The body does not match Content-Range.');
        if (bytes.length > maxRangeBytes)
          return outlookError(413, 'ErrorRequestEntityTooLarge', 'A range is at most 4 MB.');
        session.chunks.push(bytes);
        session.received += bytes.length;
        if (session.received < session.size)
          return {
            status: 200,
            json: {
              ExpirationDateTime: new Date(session.expiresAt).toISOString(),
              nextExpectedRanges: [String(session.received)],
            },
          };
        sessions(state).delete(id);
        const found = locate(session.account, session.messageId);
        if (!found) return outlookError(404, 'ErrorItemNotFound', 'The message is gone.');
        const content = Buffer.concat(session.chunks);
        const attachment = {
          '@odata.type': '#microsoft.graph.fileAttachment',
          id: `AAMkAD-att-${randomBytes(6).toString('hex')}`,
          name: session.name,
          contentType: session.contentType,
          size: content.length,
          isInline: false,
          contentBytes: content.toString('base64'),
        };
        const attachments = [...((found.body.attachments as unknown[] | undefined) ?? []), attachment];
        save(session.account, found.resource, { ...found.body, attachments, hasAttachments: true });
        return {
          status: 201,
          headers: {
            location: `${url.origin}/outlook/api/v2.0/Users('${session.account.id}')/Messages('${encodeURIComponent(session.messageId)}')/Attachments('${attachment.id}')`,
          },
        };
      },
    },
  ];
}
