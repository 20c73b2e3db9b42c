import type { ChatMessage } from '@made-open/ai';
import { z } from 'zod';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { ActionError, defineAction, type ActionContext, type AnyAction } from '../actions/index.ts';
import type { GraphService } from '../graph/index.ts';
import type { ThreadsService } from '../messages/index.ts';
import { questionRule } from './ai.classes.ts';
import type { ContextOf } from './ai.context.ts';
import type { Drafts } from './ai.drafts.ts';
import { NO_MODEL, type ChatDone, type Generate } from './ai.generate.ts';
import type { Summaries } from './ai.summaries.ts';

/**
 * `ai.summarize` and `ai.draftReply`: the rules' "ask AI to summarise or draft" (issues 14
 * and 15). Both reach a model only through ai.generate (the drafts and summaries services
 * call it too), so a rule gets the same sensitivity routing, redaction and egress audit as
 * chat, with purpose `rule`, and only its owner's providers (the run acts as the owner).
 * What the model writes is stored as a note linked to what it is about; nothing is sent.
 */

/** The services the actions use, built by the AI module after the actions module (read per call). */
export interface RuleAi {
  generate: Generate;
  contextOf: ContextOf;
  drafts: Pick<Drafts, 'draft'>;
  summaries: Pick<Summaries, 'summarise'>;
  threads: Pick<ThreadsService, 'thread'>;
}

/** The permission a principal needs to have the owner's model write for it (a rule's ceiling holds it). */
export const AI_GENERATE = 'ai:generate';

/** A model that does not answer within this long fails the step (a rule run has no one to press Stop). */
const RULE_TIMEOUT_MS = 120_000;
const SUBJECT_CHARS = 8_000;
const THREAD_MESSAGES = 20;
const MESSAGE_CHARS = 2_000;
/** A note's title from what it is about. */
const TITLE_CHARS = 120;

const SUMMARY_SYSTEM = [
  "You summarise an item of the user's own data for them: what it is, who is involved, what was asked, decided or promised, and what is still open.",
  'At most five short bullet points. Use only the text given. Never invent facts, dates or promises.',
  'Text like ⟦EMAIL_1⟧ stands for hidden personal data: repeat such placeholders exactly as written when you need them.',
].join(' ');

const entityJson = z.looseObject({
  id: z.string(),
  type: z.string(),
  title: z.string().default(''),
  body: z.string().default(''),
  properties: z.record(z.string(), z.unknown()).default({}),
});
type Subject = z.infer<typeof entityJson>;

const entityId = z.string().uuid();
const instruction = z.string().trim().min(1).max(500).optional();

/** How the model answered, as a following step may read it (steps.<id>.output.route ...). */
const howAnswered = {
  route: z.enum(['local', 'cloud']),
  locality: z.enum(['local', 'cloud']),
  provider: z.string(),
  model: z.string(),
  redacted: z.record(z.string(), z.number()),
};

/** The read a summary needs: a person's history reads every type linked to them. */
function readsFor(scope: 'entity' | 'thread' | 'person', type: string) {
  const what = scope === 'person' ? '*' : scope === 'thread' ? 'message' : type;
  return {
    permission: `entities:read:${what}`,
    resource: what === '*' ? null : what,
    what: `read ${what === '*' ? 'all' : what} entities`,
  };
}

const userOf = (context: ActionContext): AuthenticatedUser => ({
  id: context.principal.ownerId,
  claims: context.caller.claims,
});

async function readSubject(context: ActionContext, id: string): Promise<Subject> {
  // As the owner (RLS): another user's entity is a 404 here, like any action's read.
  return entityJson.parse(JSON.parse(await context.deps.graph.getEntityJson(context.caller, id, context.tx)));
}

/** A message that belongs to a thread, or why an action that needs one cannot use it. */
function threadOf(subject: Subject): { threadId: string; channel: 'sms' | 'email' } {
  const { channel, threadId } = subject.properties;
  if (subject.type !== 'message' || (channel !== 'sms' && channel !== 'email') || typeof threadId !== 'string')
    throw new ActionError(
      'invalid_input',
      `${subject.type === 'message' ? 'This message is not part of a conversation' : `This is a ${subject.type}, not a message`}: use the id of a text or email (such as {{ trigger.data.entity.id }} on a new message).`,
    );
  // The messages module's thread ids: SMS ones as stored, email ones encoded (messages.threads.ts threadIdOf).
  return {
    channel,
    threadId: channel === 'sms' ? threadId : `email:${Buffer.from(threadId, 'utf8').toString('base64url')}`,
  };
}

/** The model's answer, or an error the run's trace shows with what to do. */
function answered(text: string | null, done: ChatDone) {
  if (done.route === 'none')
    throw new ActionError(
      'no_model',
      done.notice && done.notice !== NO_MODEL
        ? `No AI model can answer for this rule's owner: ${done.notice}`
        : "No AI model is set up for this rule's owner: add an OpenRouter API key (cloud) or an Ollama address (local) in Settings → Credentials.",
    );
  if (done.route === 'needs_local') throw new ActionError('needs_local', done.notice ?? 'A local model is needed.');
  if (!text) throw new ActionError('empty_answer', `The model (${done.model ?? 'unknown'}) returned no text.`);
  return {
    route: done.route,
    locality: done.locality!,
    provider: done.provider!,
    model: done.model!,
    redacted: done.redacted as Record<string, number>,
  };
}

/** A provider failure keeps its code (bad_key, model_not_pulled, unreachable, ...) and message. */
async function generated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ActionError) throw error;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && (error as { statusCode?: number }).statusCode === 502)
      throw new ActionError(code, (error as Error).message);
    throw error;
  }
}

const titled = (prefix: string, subject: Subject) =>
  `${prefix}: ${(subject.title || subject.type).replace(/\s+/g, ' ')}`.slice(0, TITLE_CHARS);

export function aiRuleActions(deps: {
  ai: () => RuleAi;
  graph: Pick<GraphService, 'createEntityJson' | 'createLink'>;
}): AnyAction[] {
  /** Stores the text as a note by the principal, linked to what it is about (`about`). */
  async function saveNote(context: ActionContext, title: string, body: string, tag: string, aboutId: string) {
    const { principal } = context;
    const note = JSON.parse(
      await deps.graph.createEntityJson(
        context.caller,
        {
          type: 'note',
          title,
          body,
          properties: { tags: [tag] },
          source: `${principal.kind}.${principal.id}`.slice(0, 64),
        },
        context.tx,
      ),
    ) as { id: string };
    await deps.graph.createLink(context.caller, { kind: 'about', fromId: note.id, toId: aboutId });
    return note.id;
  }

  const summarize = defineAction({
    name: 'ai.summarize',
    description:
      "Asks the owner's AI model to summarise an entity, a message's conversation or a person's recent history; stores it as a linked note.",
    input: z.strictObject({
      subjectId: entityId,
      /** entity: the item itself; thread: the conversation a message is in; person: their recent history. */
      scope: z.enum(['entity', 'thread', 'person']).default('entity'),
      instruction,
      /** note: stored as a note linked to the subject; none: only passed on as this step's output. */
      saveAs: z.enum(['note', 'none']).default('note'),
    }),
    inputLabel: 'summary request',
    output: z.object({
      summary: z.string(),
      noteId: z.string().nullable(),
      subjectId: z.string(),
      scope: z.enum(['entity', 'thread', 'person']),
      ...howAnswered,
    }),
    lookup: async (context, input) => {
      const subject = await readSubject(context, input.subjectId);
      if (input.scope === 'person' && subject.type !== 'person')
        throw new ActionError(
          'invalid_input',
          `A person's history needs a person's id, and this is a ${subject.type}: use scope entity, or a person id such as {{ person.id }}.`,
        );
      if (input.scope === 'thread') threadOf(subject);
      return subject;
    },
    permission: (input, subject) => [
      { permission: AI_GENERATE, resource: input.subjectId, what: 'ask your AI model' },
      // What the model reads: the item, the conversation's messages, or everything linked to the person.
      readsFor(input.scope, subject.type),
      ...(input.saveAs === 'note'
        ? [{ permission: 'entities:write:note', resource: 'note', what: 'create note entities' }]
        : []),
    ],
    run: async (context, input, subject) => {
      const ai = deps.ai();
      const user = userOf(context);
      const signal = AbortSignal.timeout(RULE_TIMEOUT_MS);
      let text: string | null;
      let done: ChatDone;
      if (input.scope === 'person') {
        // The contact summary (cached while the person's data is unchanged), as the owner.
        const view = await generated(() => ai.summaries.summarise(user, subject.id, { purpose: 'rule' }, signal));
        ({ summary: text, done } = view);
      } else {
        const sources =
          input.scope === 'thread'
            ? (await ai.threads.thread(user, threadOf(subject).threadId, { limit: THREAD_MESSAGES })).messages
                .filter((m) => m.body.trim())
                .map((m) => ({
                  entityId: m.id,
                  type: 'message',
                  title: `${m.direction === 'outbound' ? 'You' : 'They'} wrote${m.at ? ` on ${m.at.slice(0, 10)}` : ''}:`,
                  text: m.body.slice(0, MESSAGE_CHARS),
                }))
            : [
                {
                  entityId: subject.id,
                  type: subject.type,
                  title: subject.title,
                  text: subject.body.slice(0, SUBJECT_CHARS),
                },
              ];
        const context_ = await ai.contextOf(
          user,
          sources,
          input.instruction ? [{ type: 'question', text: input.instruction, rule: questionRule }] : [],
        );
        const result = await ai.generate(user, {
          purpose: 'rule',
          items: [...context_.free, ...context_.entities],
          prompt: (texts): ChatMessage[] => {
            const asked = input.instruction ? texts[0] : undefined;
            const material = texts.slice(context_.free.length).join('\n\n');
            return [
              { role: 'system', content: SUMMARY_SYSTEM },
              {
                role: 'user',
                content: `${input.scope === 'thread' ? 'The conversation, oldest first' : `The ${subject.type}`}:\n\n${material}\n\nSummarise it${asked ? `. ${asked}` : '.'}`,
              },
            ];
          },
          signal,
        });
        if (!result.ok) throw new ActionError(result.error.code, result.error.message);
        text = result.text.trim() || null;
        done = result.done;
      }
      const how = answered(text, done);
      const summary = text!;
      const noteId =
        input.saveAs === 'note'
          ? await saveNote(context, titled('Summary', subject), summary, 'ai-summary', subject.id)
          : null;
      return { summary, noteId, subjectId: subject.id, scope: input.scope, ...how };
    },
  });

  const draftReply = defineAction({
    name: 'ai.draftReply',
    description:
      "Asks the owner's AI model to draft a reply to a message; stores it as a note linked to the message for the owner to edit and send. Never sends.",
    input: z.strictObject({ messageId: entityId, instruction }),
    inputLabel: 'draft request',
    output: z.object({
      draft: z.string(),
      noteId: z.string(),
      messageId: z.string(),
      threadId: z.string(),
      channel: z.enum(['sms', 'email']),
      ...howAnswered,
    }),
    lookup: async (context, input) => {
      const message = await readSubject(context, input.messageId);
      return { message, thread: threadOf(message) };
    },
    permission: (input) => [
      { permission: AI_GENERATE, resource: input.messageId, what: 'ask your AI model' },
      { permission: 'entities:read:message', resource: input.messageId, what: 'read message entities' },
      { permission: 'entities:write:note', resource: 'note', what: 'create note entities' },
    ],
    run: async (context, input, { message, thread }) => {
      const ai = deps.ai();
      const draft = await generated(() =>
        ai.drafts.draft(
          userOf(context),
          { threadId: thread.threadId, instruction: input.instruction, purpose: 'rule' },
          AbortSignal.timeout(RULE_TIMEOUT_MS),
        ),
      );
      const how = answered(draft.draft, draft.done);
      const noteId = await saveNote(context, titled('Draft reply', message), draft.draft!, 'draft-reply', message.id);
      return {
        draft: draft.draft!,
        noteId,
        messageId: message.id,
        threadId: thread.threadId,
        channel: thread.channel,
        ...how,
      };
    },
  });

  return [summarize, draftReply];
}
