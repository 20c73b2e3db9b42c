import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { NotFoundError } from '../../platform/errors.ts';
import { questionRule, type ClassRule } from './ai.classes.ts';
import type { ContextOf } from './ai.context.ts';
import type { Conversations, StoredMessage, StoredSource } from './ai.conversations.ts';
import type { ChatDone, Generate } from './ai.generate.ts';
import { buildMessages, citationTracker, type PromptTurn } from './ai.prompt.ts';
import type { Retrieval } from './ai.retrieval.ts';
import { isSensitive } from './ai.routing.ts';
import { createToolRunner, toolSpecs, type ToolReport } from './ai.tools.ts';
import type { ActionsService } from '../actions/index.ts';

export type { ChatDone } from './ai.generate.ts';

/** What POST /api/v1/ai/chat streams, in order: the conversation, sources, deltas and citations, then done or error. */
export type ChatStreamEvent =
  | { event: 'conversation'; data: { id: string; title: string } }
  | { event: 'sources'; data: { sources: StoredSource[] } }
  | { event: 'source'; data: StoredSource }
  | { event: 'tool'; data: ToolReport }
  | { event: 'delta'; data: { text: string } }
  | { event: 'citation'; data: { number: number; entityId: string } }
  | { event: 'done'; data: ChatDone }
  | { event: 'error'; data: { code: string; message: string } };

export interface ChatInput {
  question: string;
  /** Continue this stored conversation (its recent turns are the model's history); else a new one. */
  conversationId?: string | undefined;
  cloudModel?: string | undefined;
  localModel?: string | undefined;
}

export interface ChatDeps {
  retrieval: Retrieval;
  contextOf: ContextOf;
  generate: Generate;
  conversations: Conversations;
  /** The assistant's tools run through these actions as the principal `ai`; without it, no tools are offered. */
  actions?: Pick<ActionsService, 'invoke'>;
}

/** Turns of history a follow-up carries (questions and answers). */
const HISTORY_MESSAGES = 8;
/** An answer that read sensitive data stays sensitive as history: a local model only, never a redacted cloud copy. */
const sensitiveTurn: ClassRule = { dataClass: 'sensitive', cloudRedacted: false };
/** Earlier answers' [n] named their own turn's sources; left in, they would mislead the model. */
const withoutCitations = (text: string) => text.replace(/\s?\[\d{1,3}(?:\s*,\s*\d{1,3})*\]/g, '');

function historyOf(messages: readonly StoredMessage[]) {
  return messages
    .filter((m) => m.role === 'user' || m.content)
    .map((m) => ({
      type: m.role === 'user' ? 'question' : 'answer',
      role: m.role,
      text: m.role === 'user' ? m.content : withoutCitations(m.content),
      rule: m.sensitive ? sensitiveTurn : questionRule,
    }));
}

export function createChat(deps: ChatDeps) {
  return {
    async answer(
      user: AuthenticatedUser,
      input: ChatInput,
      emit: (event: ChatStreamEvent) => void,
      signal: AbortSignal,
    ): Promise<void> {
      // An unknown (or another user's) conversation is a 404 before the stream starts.
      const earlier = input.conversationId
        ? await deps.conversations.recent(user, input.conversationId, HISTORY_MESSAGES)
        : undefined;
      if (input.conversationId && !earlier) throw new NotFoundError('conversation');
      const conversation = earlier?.conversation ?? (await deps.conversations.create(user, input.question));
      emit({ event: 'conversation', data: { id: conversation.id, title: conversation.title } });

      const passages = await deps.retrieval.passages(user, input.question);
      const history = historyOf(earlier?.messages ?? []);
      const context = await deps.contextOf(user, passages, [
        { type: 'question', text: input.question, rule: questionRule },
        ...history,
      ]);
      const sources: StoredSource[] = passages.map((p, i) => ({
        number: p.number,
        entityId: p.entityId,
        type: p.type,
        title: p.title,
        occurredAt: p.occurredAt,
        sensitive: isSensitive(context.entities[i]!),
      }));
      emit({ event: 'sources', data: { sources } });

      // Entities a tool reads become sources too, numbered after the retrieved ones.
      const numbers = new Set(passages.map((p) => p.number));
      const cite = citationTracker(numbers);
      const citations: Array<{ number: number; entityId: string }> = [];
      const tools: ToolReport[] = [];
      let answer = '';
      const items = [...context.free, ...context.entities];
      const runTool = deps.actions
        ? createToolRunner({
            actions: deps.actions,
            contextOf: deps.contextOf,
            user,
            addSource: (entity) => {
              const known = sources.find((s) => s.entityId === entity.entityId);
              if (known) return known.number;
              const source = { ...entity, number: sources.length + 1 };
              sources.push(source);
              numbers.add(source.number);
              emit({ event: 'source', data: source });
              return source.number;
            },
          })
        : undefined;
      const result = await deps.generate(user, {
        purpose: 'chat',
        items,
        prompt: (texts) => {
          const [question, ...rest] = texts;
          const turns: PromptTurn[] = history.map((h, i) => ({ role: h.role, content: rest[i]! }));
          const promptSources = passages.map((p, i) => {
            const [title, ...body] = rest[history.length + i]!.split('\n');
            return { number: p.number, type: p.type, date: p.occurredAt, title: title ?? '', text: body.join('\n') };
          });
          return buildMessages(question!, promptSources, turns);
        },
        cloudModel: input.cloudModel,
        localModel: input.localModel,
        signal,
        ...(runTool
          ? {
              tools: {
                specs: toolSpecs,
                run: runTool,
                onReport: (report: ToolReport) => {
                  tools.push(report);
                  emit({ event: 'tool', data: report });
                },
              },
            }
          : {}),
        onDelta: (text) => {
          answer += text;
          emit({ event: 'delta', data: { text } });
          for (const n of cite(answer)) {
            const citation = { number: n, entityId: sources[n - 1]!.entityId };
            citations.push(citation);
            emit({ event: 'citation', data: citation });
          }
        },
      });
      // Stored before the final event, so a client that lists conversations on `done` sees this turn.
      await deps.conversations.appendTurn(user, conversation.id, input.question, {
        content: answer,
        sources,
        citations,
        tools,
        done: result.ok ? result.done : null,
        error: result.ok ? null : result.error,
        // What a tool read counts too: an answer made from a message is as private as the message.
        sensitive: result.ok ? result.readSensitive : items.some(isSensitive),
      });
      if (result.ok) emit({ event: 'done', data: result.done });
      else emit({ event: 'error', data: result.error });
    },
  };
}

export type Chat = ReturnType<typeof createChat>;
