import type { ChatMessage } from '@made-open/ai';
import { UserError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { ThreadsService } from '../messages/index.ts';
import { questionRule } from './ai.classes.ts';
import type { ContextOf } from './ai.context.ts';
import type { ChatDone, Generate } from './ai.generate.ts';

export interface DraftInput {
  threadId: string;
  /** What the reply should say, in the user's words ("say yes, but after 6"). */
  instruction?: string | undefined;
  cloudModel?: string | undefined;
  localModel?: string | undefined;
  /** The egress audit's purpose (default draft; a rule's action says rule). */
  purpose?: string | undefined;
  /** The reply's text as the model writes it (restored, like chat's). */
  onDelta?: ((text: string) => void) | undefined;
}

export interface Draft {
  /** The reply for the user to edit and send through the normal send path; null when no model wrote one. */
  draft: string | null;
  threadId: string;
  channel: 'sms' | 'email';
  /** The newest message of the thread (an email reply answers it). */
  replyTo: string | null;
  /** The messages the model read, oldest first. */
  messageIds: string[];
  done: ChatDone;
}

/** Messages of the thread the model reads (the newest ones) and how much of each. */
const THREAD_MESSAGES = 12;
const MESSAGE_CHARS = 2_000;

const SYSTEM = [
  'You draft a reply that the user will edit and send in a conversation of theirs.',
  'Write only the text of the reply, in the language of the conversation and in the user’s voice: no subject line, no quotes, no explanations.',
  'Keep it short, answer what the last message asks, and never invent facts, dates or promises the conversation does not support.',
  'Text like ⟦EMAIL_1⟧ stands for hidden personal data: repeat such placeholders exactly as written when you need them.',
].join(' ');

/**
 * "Draft a reply" (issue 15 §6): the thread's recent messages through the same routing as
 * chat (message bodies are sensitive: a local model only, unless the user allowed a redacted
 * copy), returned as text. Nothing is sent: the user edits it and sends it as any reply.
 */
export function createDrafts(deps: {
  threads: Pick<ThreadsService, 'thread'>;
  contextOf: ContextOf;
  generate: Generate;
}) {
  return {
    async draft(user: AuthenticatedUser, input: DraftInput, signal: AbortSignal): Promise<Draft> {
      // Reads as the user: another user's thread is a 404 here.
      const page = await deps.threads.thread(user, input.threadId, { limit: THREAD_MESSAGES });
      const messages = page.messages.filter((m) => m.body.trim());
      const channel = page.thread.email ? 'email' : 'sms';
      const context = await deps.contextOf(
        user,
        messages.map((m) => ({
          entityId: m.id,
          type: 'message',
          title: `${m.direction === 'outbound' ? 'You' : 'They'} wrote${m.at ? ` on ${m.at.slice(0, 10)}` : ''}:`,
          text: m.body.slice(0, MESSAGE_CHARS),
        })),
        input.instruction ? [{ type: 'question', text: input.instruction, rule: questionRule }] : [],
      );
      const items = [...context.free, ...context.entities];
      const result = await deps.generate(user, {
        purpose: input.purpose ?? 'draft',
        items,
        prompt: (texts): ChatMessage[] => {
          const instruction = input.instruction ? texts[0] : undefined;
          const transcript = texts.slice(context.free.length).join('\n\n');
          const subject = page.thread.email?.subject ? `Subject: ${page.thread.email.subject}\n\n` : '';
          return [
            { role: 'system', content: SYSTEM },
            {
              role: 'user',
              content: `${subject}The conversation, oldest first:\n\n${transcript}\n\nDraft my reply${instruction ? `. What I want to say: ${instruction}` : '.'}`,
            },
          ];
        },
        cloudModel: input.cloudModel,
        localModel: input.localModel,
        onDelta: input.onDelta,
        signal,
      });
      if (!result.ok) throw new UserError(502, result.error.code, result.error.message);
      const text = result.text.trim();
      return {
        draft: text || null,
        threadId: input.threadId,
        channel,
        replyTo: page.messages.at(-1)?.id ?? null,
        messageIds: messages.map((m) => m.id),
        done: result.done,
      };
    },
  };
}

export type Drafts = ReturnType<typeof createDrafts>;
