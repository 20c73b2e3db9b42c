import { Readable } from 'node:stream';
import type { Database } from '../../platform/db/index.ts';
import { ConflictError, NotFoundError, UserError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { ConnectorError } from '../connectors/index.ts';
import type { Ingest } from '../graph/index.ts';
import type { StorageService } from '../storage/index.ts';
import { mailErrorOf, maxAttachmentBytes } from './messages.email.ts';
import type { MailAccounts } from './messages.mail.ts';
import { emailItem } from './messages.reads.ts';
import { messagesRepository as repo } from './messages.repository.ts';

/** Each owner's email attachments live in their own private bucket, fetched on first open. */
export const attachmentBucketOf = (ownerId: string) => `mail-attachments-${ownerId}`;

/** A file name safe in a Storage path and a Content-Disposition header: no path, no controls, short. */
export function safeFileName(name: string) {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = [...base]
    .map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || '"<>|:*?%'.includes(c) ? '_' : c))
    .join('')
    .replace(/^\.+/, '')
    .trim();
  return (cleaned || 'attachment').slice(0, 120);
}

const tooLarge = (size: number) =>
  new UserError(
    413,
    'attachment_too_large',
    `This attachment is ${(size / 1024 / 1024).toFixed(1)} MiB; the hub fetches attachments up to ${maxAttachmentBytes / 1024 / 1024} MiB: open it in your mail app.`,
  );

export interface AttachmentContent {
  name: string;
  contentType: string;
  size: number;
  body: Readable;
}

interface StoredMeta {
  id: string;
  name?: unknown;
  contentType?: unknown;
  size?: unknown;
  path?: unknown;
}

/**
 * Email attachments on demand (issue 13 §3): served from the owner's Storage when already
 * fetched; otherwise fetched once through the mail account, stored in the private bucket,
 * recorded on the message (path, fileId), then served.
 */
export function createAttachmentsService(deps: {
  db: Database;
  ingest: Ingest;
  storage: Pick<StorageService, 'createBucket' | 'upload' | 'download'>;
  mail: MailAccounts;
}) {
  const { db } = deps;

  const metaOf = (properties: Record<string, unknown>, attachmentId: string) =>
    (Array.isArray(properties.attachments) ? (properties.attachments as StoredMeta[]) : []).find(
      (item) => item && typeof item === 'object' && item.id === attachmentId,
    );

  return {
    async open(user: AuthenticatedUser, messageId: string, attachmentId: string): Promise<AttachmentContent> {
      const row = await db.asUser(user.claims, (tx) => repo.emailMessage(tx, user.id, messageId));
      if (!row) throw new NotFoundError('message');
      const meta = metaOf(row.properties, attachmentId);
      if (!meta) throw new NotFoundError('attachment');
      const name = safeFileName(typeof meta.name === 'string' ? meta.name : 'attachment');
      const declaredType = typeof meta.contentType === 'string' ? meta.contentType : 'application/octet-stream';

      if (typeof meta.path === 'string') {
        const slash = meta.path.indexOf('/');
        try {
          const { object, body } = await deps.storage.download(
            user,
            meta.path.slice(0, slash),
            meta.path.slice(slash + 1),
            undefined,
          );
          return { name, contentType: object.mime_type || declaredType, size: Number(object.size), body };
        } catch (error) {
          // Deleted from Storage since: fetched again below.
          if (!(error instanceof UserError && error.status === 404)) throw error;
        }
      }
      if (typeof meta.size === 'number' && meta.size > maxAttachmentBytes) throw tooLarge(meta.size);
      if (row.source === null || row.external_id === null)
        throw new NotFoundError('attachment content (this email did not come through a mail account)');

      let fetched;
      try {
        fetched = await deps.mail.attachment(user, row.source, row.external_id, attachmentId);
      } catch (error) {
        if (error instanceof ConnectorError) throw mailErrorOf(error);
        throw error;
      }
      if (fetched.content.length > maxAttachmentBytes) throw tooLarge(fetched.content.length);
      const contentType = /^[\w.+-]+\/[\w.+-]+$/.test(fetched.contentType) ? fetched.contentType : declaredType;

      const bucketId = attachmentBucketOf(user.id);
      await deps.storage.createBucket(user, { id: bucketId }).catch((error: unknown) => {
        if (!(error instanceof ConflictError)) throw error;
      });
      const index = (row.properties.attachments as StoredMeta[]).findIndex((item) => item?.id === attachmentId);
      const objectName = `${row.id}/${index}-${name}`;
      const object = await deps.storage.upload(user, {
        bucketId,
        name: objectName,
        body: Readable.from([fetched.content]),
        declaredSize: fetched.content.length,
        contentType,
        cacheControl: undefined,
        userMetadata: { messageId: row.id },
        upsert: true,
      });
      await db.asUser(user.claims, async (tx) => {
        const locked = await repo.emailMessage(tx, user.id, row.id, true);
        if (!locked || locked.source === null || locked.external_id === null) return;
        const list = Array.isArray(locked.properties.attachments)
          ? (locked.properties.attachments as StoredMeta[])
          : [];
        const attachments = list.map((item) =>
          item?.id === attachmentId
            ? { ...item, path: `${bucketId}/${objectName}`, ...(object.entity_id ? { fileId: object.entity_id } : {}) }
            : item,
        );
        await deps.ingest(tx, {
          ownerId: user.id,
          actor: { kind: 'user', id: user.id },
          items: [emailItem({ ...locked, source: locked.source, external_id: locked.external_id }, { attachments })],
        });
      });
      return { name, contentType, size: fetched.content.length, body: Readable.from([fetched.content]) };
    },
  };
}

export type AttachmentsService = ReturnType<typeof createAttachmentsService>;
