import type { ToolSpec } from '@made-open/ai';
import { z } from 'zod';
import { maxAttachmentBytes } from '../messages/index.ts';

/** Files one proposed email may carry: as many as the send API takes. */
export const maxProposedAttachments = 20;

export const proposeSendSpec: ToolSpec = {
  name: 'propose_send',
  description:
    'Propose a text or email for the user to send. Nothing is sent: the user sees the proposal and confirms or edits it.',
  parameters: {
    type: 'object',
    properties: {
      to: { type: 'string', description: 'A person id, a phone number or an email address.' },
      body: { type: 'string', description: 'The text of the message.' },
      channel: { type: 'string', enum: ['sms', 'email'] },
      subject: { type: 'string', description: 'Email only.' },
      attachments: {
        type: 'array',
        items: { type: 'string' },
        description: 'Email only: ids of the user’s stored files (type "file", found with search_graph) to attach.',
      },
    },
    required: ['to', 'body'],
  },
};

export const proposalInput = z.strictObject({
  to: z.string().trim().min(3).max(320),
  body: z.string().trim().min(1).max(10_000),
  channel: z.enum(['sms', 'email']).default('sms'),
  subject: z.string().trim().max(1000).optional(),
  attachments: z.array(z.string().uuid()).max(maxProposedAttachments).default([]),
});

/** A stored file the proposal attaches: what the user sees, and the Storage path the send API takes. */
export interface ProposedAttachment {
  id: string;
  name: string;
  path: string;
  sizeBytes: number | null;
}

export type SendProposal = Omit<z.infer<typeof proposalInput>, 'attachments'> & {
  /** The contact's name when `to` is a person id. */
  toName?: string;
  /** Only when there are some (stored conversations from before attachments have none). */
  attachments?: ProposedAttachment[];
};

/** What the model did wrong, in words it can act on. */
export function proposalProblem(error: z.ZodError): string {
  const field = error.issues[0]?.path[0];
  if (field === 'attachments')
    return `attachments is a list of at most ${maxProposedAttachments} file ids (UUIDs) from search_graph.`;
  if (field === 'channel') return 'channel is "sms" or "email".';
  if (field === 'subject') return 'subject is at most 1000 characters.';
  return 'to (3–320 characters) and body (1–10,000 characters) are needed.';
}

const storedFile = z.object({
  id: z.string(),
  type: z.literal('file'),
  title: z.string(),
  // Only the storage module's own file entities name a real object; anyone may write a file entity by hand.
  source: z.literal('storage'),
  properties: z.object({
    fileName: z.string().optional(),
    sizeBytes: z.number().optional(),
    storageKey: z.string().min(3),
  }),
});

/** The attachment an entity read by the assistant is, or why it cannot be one. */
export function attachmentOf(entity: unknown): ProposedAttachment | string {
  const file = storedFile.safeParse(entity);
  if (!file.success) {
    const id = (entity as { id?: unknown }).id;
    return `${String(id)} is not a stored file: attach only files (type "file") found with search_graph.`;
  }
  const { id, title, properties } = file.data;
  return {
    id,
    name: properties.fileName ?? title,
    path: properties.storageKey,
    sizeBytes: properties.sizeBytes ?? null,
  };
}

/** Why these files cannot go in one email, or null: the send API's limit, said before the user confirms. */
export function attachmentsProblem(attachments: ProposedAttachment[]): string | null {
  const total = attachments.reduce((sum, a) => sum + (a.sizeBytes ?? 0), 0);
  if (total <= maxAttachmentBytes) return null;
  const mib = Math.floor(maxAttachmentBytes / 1024 / 1024);
  return `These files add up to more than ${mib} MiB, too large for one email: attach fewer, or send a link.`;
}
