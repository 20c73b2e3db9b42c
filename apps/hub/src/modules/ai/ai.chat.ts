import { AiProviderError, type AiProvider, type ChatEvent, type Usage } from '@made-open/ai';
import type { Database } from '../../platform/db/index.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import { questionRule, type ClassesService, type ContactClassesService } from './ai.classes.ts';
import type { EgressLog } from './ai.egress.ts';
import { detectPii, type PiiKind } from './ai.pii.ts';
import { buildMessages, citationTracker } from './ai.prompt.ts';
import { DEFAULT_CLOUD_MODEL, type Providers } from './ai.providers.ts';
import { Redactor } from './ai.redaction.ts';
import type { Passage, Retrieval } from './ai.retrieval.ts';
import { classesOf, decideRoute, isSensitive, type ContextItem, type Route } from './ai.routing.ts';

/** What POST /api/v1/ai/chat streams, in order: sources, deltas and citations, then done or error. */
export type ChatStreamEvent =
  | { event: 'sources'; data: { sources: Array<Omit<Passage, 'text'> & { sensitive: boolean }> } }
  | { event: 'delta'; data: { text: string } }
  | { event: 'citation'; data: { number: number; entityId: string } }
  | { event: 'done'; data: ChatDone }
  | { event: 'error'; data: { code: string; message: string } };

export interface ChatDone {
  /** local, cloud (redacted or not), none (no model), needs_local (sensitive, no local model, cloud not allowed). */
  route: Route['kind'];
  locality: 'local' | 'cloud' | null;
  provider: 'openrouter' | 'ollama' | null;
  model: string | null;
  /** Distinct values replaced by placeholders before the cloud saw them, per kind. */
  redacted: Partial<Record<PiiKind, number>>;
  usage: Usage | null;
  /** What to do next, when no model answered. */
  notice: string | null;
}

export interface ChatInput {
  question: string;
  cloudModel?: string;
  localModel?: string;
}

export interface ChatDeps {
  db: Database;
  logger: Logger;
  retrieval: Retrieval;
  classes: ClassesService;
  contactClasses: ContactClassesService;
  providers: Providers;
  egress: EgressLog;
  defaultRegionOf: (userId: string) => Promise<string | undefined>;
}

const NO_MODEL =
  'No AI model is set up, so here are the sources only. Add an OpenRouter API key (cloud) or an Ollama address (local) in Settings → Credentials.';

/** A local model to use: the one asked for, else the first installed one that chats (embedding models do not). */
async function localModelOf(provider: AiProvider, asked: string | undefined, signal: AbortSignal): Promise<string> {
  if (asked) return asked;
  const models = await provider.models(signal);
  const chat = models.find((m) => !/embed|minilm|bge-/i.test(m.id));
  if (!chat)
    throw new AiProviderError(
      'model_not_pulled',
      'ollama',
      'Ollama has no chat model installed. Run `ollama pull llama3.2` on the Ollama machine.',
    );
  return chat.id;
}

export function createChat(deps: ChatDeps) {
  return {
    async answer(
      user: AuthenticatedUser,
      input: ChatInput,
      emit: (event: ChatStreamEvent) => void,
      signal: AbortSignal,
    ): Promise<void> {
      const [passages, providers, rules, region] = await Promise.all([
        deps.retrieval.passages(user, input.question),
        deps.providers.forUser(user),
        deps.classes.rules(user),
        deps.defaultRegionOf(user.id),
      ]);
      // A contact's own class replaces the type's for them and what is linked to them.
      const contactRules = await deps.contactClasses.rulesFor(
        user,
        passages.map((p) => p.entityId),
      );
      const items: ContextItem[] = [
        {
          entityId: null,
          type: 'question',
          text: input.question,
          rule: questionRule,
          pii: detectPii(input.question, region),
        },
        ...passages.map((p) => {
          const text = `${p.title}\n${p.text}`;
          return {
            entityId: p.entityId,
            type: p.type,
            text,
            rule: contactRules.get(p.entityId) ??
              rules.get(p.type) ?? { dataClass: 'sensitive' as const, cloudRedacted: false },
            pii: detectPii(text, region),
          };
        }),
      ];
      emit({
        event: 'sources',
        data: {
          sources: passages.map(({ text: _text, ...p }, i) => ({ ...p, sensitive: isSensitive(items[i + 1]!) })),
        },
      });

      const route = decideRoute(items, { local: providers.local !== null, cloud: providers.cloud !== null });
      const finish = (done: Partial<ChatDone> & Pick<ChatDone, 'route'>) =>
        emit({
          event: 'done',
          data: { locality: null, provider: null, model: null, redacted: {}, usage: null, notice: null, ...done },
        });
      if (route.kind === 'none') return finish({ route: 'none', notice: providers.localProblem ?? NO_MODEL });
      if (route.kind === 'needs_local')
        return finish({
          route: 'needs_local',
          notice: `These sources hold sensitive data (${route.blockedTypes.join(', ')}), so only a local model may read them, and none is set up. Add an Ollama address in Settings → Credentials, or allow a redacted version to go to the cloud for these types in Settings → AI.${providers.localProblem ? ` (${providers.localProblem})` : ''}`,
        });

      const provider = route.kind === 'local' ? providers.local! : providers.cloud!;
      const redactor = new Redactor();
      const redact = route.kind === 'cloud' && route.redact;
      const textOf = (item: ContextItem) => (redact ? redactor.redact(item.text, item.pii) : item.text);
      const question = textOf(items[0]!);
      const sources = passages.map((p, i) => {
        const [title, ...rest] = textOf(items[i + 1]!).split('\n');
        return { number: p.number, type: p.type, date: p.occurredAt, title: title ?? '', text: rest.join('\n') };
      });
      const messages = buildMessages(question, sources);

      let model: string;
      let egressId: string | undefined;
      const restorer = redactor.restorer();
      const cite = citationTracker(new Set(passages.map((p) => p.number)));
      let answer = '';
      let usage: Usage | null = null;
      let finalModel: string | null = null;
      const deliver = (text: string) => {
        if (!text) return;
        answer += text;
        emit({ event: 'delta', data: { text } });
        for (const n of cite(answer))
          emit({ event: 'citation', data: { number: n, entityId: passages[n - 1]!.entityId } });
      };
      try {
        model =
          provider.locality === 'local'
            ? await localModelOf(provider, input.localModel, signal)
            : (input.cloudModel ?? DEFAULT_CLOUD_MODEL);
        if (provider.locality === 'cloud')
          egressId = await deps.egress.opened(user, {
            provider: provider.id,
            model,
            purpose: 'chat',
            entityIds: passages.map((p) => p.entityId),
            payload: JSON.stringify(messages),
            redactions: redactor.summary(),
            classes: classesOf(items),
          });
        for await (const event of provider.chat({ model, messages, signal }) as AsyncIterable<ChatEvent>) {
          if (event.type === 'delta') deliver(restorer.push(event.text));
          else {
            usage = event.usage;
            finalModel = event.model;
          }
        }
        deliver(restorer.flush());
        if (egressId)
          await deps.egress.closed(user, egressId, {
            outcome: 'ok',
            promptTokens: usage?.promptTokens,
            completionTokens: usage?.completionTokens,
            costUsd: usage?.costUsd,
          });
        finish({
          route: route.kind,
          locality: provider.locality,
          provider: provider.id,
          model: finalModel ?? model,
          redacted: redactor.summary(),
          usage,
        });
      } catch (error) {
        const failure =
          error instanceof AiProviderError
            ? error
            : signal.aborted
              ? new AiProviderError('cancelled', provider.id, 'Stopped.')
              : undefined;
        if (egressId)
          await deps.egress
            .closed(user, egressId, {
              outcome: failure?.kind === 'cancelled' ? 'cancelled' : 'error',
              errorKind: failure?.kind ?? 'internal',
            })
            .catch((e: unknown) => deps.logger.warn({ err: e }, 'could not close an egress audit row'));
        if (!failure) throw error;
        if (failure.kind !== 'cancelled')
          deps.logger.info(
            { kind: failure.kind, provider: failure.provider, status: failure.status, detail: failure.detail },
            'AI provider failed',
          );
        emit({ event: 'error', data: { code: failure.kind, message: failure.message } });
      }
    },
  };
}

export type Chat = ReturnType<typeof createChat>;
