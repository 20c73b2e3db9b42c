import { uuidv7 } from 'uuidv7';
import type { Database, Sql } from '../../platform/db/index.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { ChatDone } from './ai.generate.ts';
import type { ToolReport } from './ai.tools.ts';

/** A source an answer read, as the chat stream's `sources` event names it. */
export interface StoredSource {
  number: number;
  entityId: string;
  type: string;
  title: string;
  occurredAt: string | null;
  sensitive: boolean;
}

export interface ConversationSummary {
  id: string;
  title: string;
  createdAt: string;
  updatedAt: string;
}

export interface StoredMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  sources: StoredSource[];
  citations: Array<{ number: number; entityId: string }>;
  /** The tools the answer called: reads, and sends it proposed for the user to confirm. */
  tools: ToolReport[];
  done: ChatDone | null;
  error: { code: string; message: string } | null;
  sensitive: boolean;
  createdAt: string;
}

export interface NewAnswer {
  content: string;
  sources: StoredSource[];
  citations: Array<{ number: number; entityId: string }>;
  tools: ToolReport[];
  done: ChatDone | null;
  error: { code: string; message: string } | null;
  sensitive: boolean;
}

type ConversationRow = { id: string; title: string; created_at: Date | string; updated_at: Date | string };
type MessageRow = {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  sources: StoredSource[];
  citations: Array<{ number: number; entityId: string }>;
  tools: ToolReport[];
  done: ChatDone | null;
  error: { code: string; message: string } | null;
  sensitive: boolean;
  created_at: Date | string;
};

const iso = (value: Date | string) => new Date(value).toISOString();
const conversationOf = (r: ConversationRow): ConversationSummary => ({
  id: r.id,
  title: r.title,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});
const messageOf = (r: MessageRow): StoredMessage => ({
  id: r.id,
  role: r.role,
  content: r.content,
  sources: r.sources,
  citations: r.citations,
  tools: r.tools,
  done: r.done,
  error: r.error,
  sensitive: r.sensitive,
  createdAt: iso(r.created_at),
});

/** The first line of the first question, short enough for a list. */
export function titleOf(question: string): string {
  const line = question.trim().split('\n')[0]!.trim();
  return line.length > 80 ? `${line.slice(0, 79).trimEnd()}…` : line;
}

const MESSAGE_COLUMNS = 'id, role, content, sources, citations, tools, done, error, sensitive, created_at';

/** Conversations with the assistant, stored under the owner's RLS (migration 0004). */
export function createConversations(db: Database) {
  async function messagesOf(tx: Sql, conversationId: string, newest?: number): Promise<StoredMessage[]> {
    const { rows } = newest
      ? await tx.query<MessageRow>(
          `SELECT * FROM (SELECT ${MESSAGE_COLUMNS} FROM made_open.ai_messages WHERE conversation_id = $1
             ORDER BY created_at DESC, id DESC LIMIT $2) m ORDER BY created_at, id`,
          [conversationId, newest],
        )
      : await tx.query<MessageRow>(
          `SELECT ${MESSAGE_COLUMNS} FROM made_open.ai_messages WHERE conversation_id = $1 ORDER BY created_at, id`,
          [conversationId],
        );
    return rows.map(messageOf);
  }

  /** The conversation and its messages (all, or the `newest` few), or undefined when RLS hides it or it is gone. */
  async function withMessages(user: AuthenticatedUser, id: string, newest?: number) {
    return db.asUser(user.claims, async (tx) => {
      const { rows } = await tx.query<ConversationRow>(
        'SELECT id, title, created_at, updated_at FROM made_open.ai_conversations WHERE id = $1',
        [id],
      );
      if (!rows[0]) return undefined;
      return { conversation: conversationOf(rows[0]), messages: await messagesOf(tx, id, newest) };
    });
  }

  return {
    async list(user: AuthenticatedUser, limit: number): Promise<ConversationSummary[]> {
      const { rows } = await db.queryAsUser<ConversationRow>(
        user.claims,
        `SELECT id, title, created_at, updated_at FROM made_open.ai_conversations
          ORDER BY updated_at DESC, id DESC LIMIT $1`,
        [limit],
      );
      return rows.map(conversationOf);
    },

    /** The conversation and its messages, or undefined (another user's is as missing as none). */
    async get(user: AuthenticatedUser, id: string) {
      return withMessages(user, id);
    },

    /** Whether this user has the conversation (another user's is as missing as none). */
    async exists(user: AuthenticatedUser, id: string): Promise<boolean> {
      const { rows } = await db.queryAsUser(user.claims, 'SELECT 1 FROM made_open.ai_conversations WHERE id = $1', [
        id,
      ]);
      return rows.length > 0;
    },

    /** The newest messages of a conversation (the history a follow-up carries), or undefined. */
    async recent(user: AuthenticatedUser, id: string, newest: number) {
      return withMessages(user, id, newest);
    },

    async create(user: AuthenticatedUser, firstQuestion: string): Promise<ConversationSummary> {
      const { rows } = await db.queryAsUser<ConversationRow>(
        user.claims,
        `INSERT INTO made_open.ai_conversations (owner_id, title) VALUES ($1, $2)
         RETURNING id, title, created_at, updated_at`,
        [user.id, titleOf(firstQuestion)],
      );
      return conversationOf(rows[0]!);
    },

    /**
     * Stores one question and its answer (or how it ended) together. Messages read in
     * (created_at, id) order, and PGlite's clock ticks in milliseconds: the two rows often
     * share an instant, so their ids are uuidv7, monotonic in this process, question first.
     */
    async appendTurn(user: AuthenticatedUser, conversationId: string, question: string, answer: NewAnswer) {
      const [questionId, answerId] = [uuidv7(), uuidv7()];
      await db.asUser(user.claims, async (tx) => {
        await tx.query(
          `INSERT INTO made_open.ai_messages (id, conversation_id, owner_id, role, content) VALUES ($1, $2, $3, 'user', $4)`,
          [questionId, conversationId, user.id, question],
        );
        await tx.query(
          `INSERT INTO made_open.ai_messages (id, conversation_id, owner_id, role, content, sources, citations, tools, done, error, sensitive)
           VALUES ($1, $2, $3, 'assistant', $4, $5::jsonb, $6::jsonb, $7::jsonb, $8::jsonb, $9::jsonb, $10)`,
          [
            answerId,
            conversationId,
            user.id,
            answer.content,
            JSON.stringify(answer.sources),
            JSON.stringify(answer.citations),
            JSON.stringify(answer.tools),
            answer.done ? JSON.stringify(answer.done) : null,
            answer.error ? JSON.stringify(answer.error) : null,
            answer.sensitive,
          ],
        );
        await tx.query('UPDATE made_open.ai_conversations SET updated_at = now() WHERE id = $1', [conversationId]);
      });
    },

    /** True when it existed (for this user) and is gone now. */
    async remove(user: AuthenticatedUser, id: string): Promise<boolean> {
      const { rowCount } = await db.queryAsUser(user.claims, 'DELETE FROM made_open.ai_conversations WHERE id = $1', [
        id,
      ]);
      return (rowCount ?? 0) > 0;
    },
  };
}

export type Conversations = ReturnType<typeof createConversations>;
