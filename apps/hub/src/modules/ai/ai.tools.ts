import type { ToolCall, ToolSpec } from '@made-open/ai';
import { entityTypes } from '@made-open/shared';
import { z } from 'zod';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { defineAction, type ActionsService, type Principal } from '../actions/index.ts';
import type { SearchEngine } from '../search/index.ts';
import type { ContextOf } from './ai.context.ts';
import {
  attachmentOf,
  attachmentsProblem,
  proposalInput,
  proposalProblem,
  proposeSendSpec,
  type ProposedAttachment,
  type SendProposal,
} from './ai.proposals.ts';
import { isSensitive, type ContextItem } from './ai.routing.ts';

/** The policy principal every assistant tool runs as: the user grants it what it may read (ADR 0010). */
export const assistantPrincipal = (ownerId: string): Principal => ({ kind: 'ai', id: 'assistant', ownerId });

const searchInput = z.strictObject({
  query: z.string().trim().min(1).max(200),
  types: z.array(z.enum(entityTypes)).min(1).max(entityTypes.length).optional(),
  limit: z.number().int().min(1).max(10).default(5),
});
const searchHit = z.object({ id: z.string(), type: z.string(), title: z.string(), occurredAt: z.string().nullable() });

/**
 * `graph.search`: the owner's entities matching words (the search module's engine,
 * typo-tolerant), read back under their RLS. Needs `entities:read:<type>` for each type asked
 * (`*` without types). Registered through the actions module's extraActions (composition.ts).
 */
export function graphSearchAction(engine: () => SearchEngine) {
  return defineAction({
    name: 'graph.search',
    description: "Finds the owner's entities by words in their title, body and keywords (ids, types, titles).",
    input: searchInput,
    inputLabel: 'search',
    output: z.object({ hits: z.array(searchHit) }),
    permission: (input) =>
      (input.types ?? ['*']).map((type) => ({
        permission: `entities:read:${type}`,
        resource: type === '*' ? null : type,
        what: `read ${type === '*' ? 'all' : type} entities`,
      })),
    run: async (context, input) => {
      const result = await engine().search({
        ownerId: context.principal.ownerId,
        q: input.query,
        ...(input.types ? { types: input.types } : {}),
        limit: input.limit,
        offset: 0,
      });
      const ids = result.hits.map((h) => h.id);
      if (ids.length === 0) return { hits: [] };
      const rows = await context.asOwner(
        async (tx) =>
          (
            await tx.query<{ id: string; type: string; title: string; occurred_at: Date | string | null }>(
              `SELECT id, type, title, occurred_at FROM public.entities WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL`,
              [ids],
            )
          ).rows,
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      return {
        hits: ids.flatMap((id) => {
          const r = byId.get(id);
          return r
            ? [
                {
                  id: r.id,
                  type: r.type,
                  title: r.title,
                  occurredAt: r.occurred_at === null ? null : new Date(r.occurred_at).toISOString(),
                },
              ]
            : [];
        }),
      };
    },
  });
}

/** What the model may call. Reads go through actions; a send is only proposed (the user confirms it in the app). */
export const toolSpecs: ToolSpec[] = [
  {
    name: 'search_graph',
    description:
      "Search the user's own data (people, messages, notes, calls, events, files, tasks) by words. Returns ids, types and titles; read one with read_entity.",
    parameters: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'Words to look for.' },
        types: { type: 'array', items: { type: 'string', enum: [...entityTypes] }, description: 'Only these types.' },
      },
      required: ['query'],
    },
  },
  {
    name: 'read_entity',
    description:
      'Read one item of the user’s data by id (a person, message, calendar event, note…): its title, text and date. Cite it with the source number the result gives.',
    parameters: { type: 'object', properties: { id: { type: 'string', description: 'The id.' } }, required: ['id'] },
  },
  proposeSendSpec,
];

const readInput = z.strictObject({ id: z.string().uuid() });

/** One tool call as the chat stream and the stored conversation show it. */
export interface ToolReport {
  name: string;
  /** ok; denied (the user has not granted the assistant that read); invalid; not_found; failed; proposed. */
  outcome: 'ok' | 'denied' | 'invalid' | 'not_found' | 'failed' | 'proposed';
  message: string | null;
  entityIds: string[];
  /** Set by the routing: what the model was given of a sensitive result (`local`: the local model took over to read it). */
  privacy?: 'sent' | 'redacted' | 'withheld' | 'local';
  proposal?: SendProposal;
}

export interface ToolResult {
  /** What the model reads: `prefix` then `item.text` when there is an item, else `content`. */
  content: string;
  prefix?: string;
  /** The entity it read, for routing (its class and PII): a sensitive one goes only to a local model. */
  item?: ContextItem;
  /** A result of several items, some sensitive: what a cloud model may see of it (those left out). */
  cloudContent?: string;
  report: ToolReport;
}

const BODY_CHARS = 2_000;

/**
 * Runs the model's tool calls for one user: every read through actions.invoke() as the
 * principal `ai` (validated, policy-checked, rate-limited and audited there), entities read
 * numbered as new sources so the answer can cite them.
 */
export function createToolRunner(deps: {
  actions: Pick<ActionsService, 'invoke'>;
  contextOf: ContextOf;
  user: AuthenticatedUser;
  /** The next free source number and what to do with a new source (the chat emits it). */
  addSource: (entity: {
    entityId: string;
    type: string;
    title: string;
    occurredAt: string | null;
    sensitive: boolean;
  }) => number;
}) {
  const principal = assistantPrincipal(deps.user.id);

  async function invoke(
    name: string,
    input: unknown,
  ): Promise<{ ok: true; value: unknown } | { ok: false; report: ToolReport }> {
    try {
      return { ok: true, value: await deps.actions.invoke(principal, name, input) };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const message = error instanceof Error ? error.message : 'The tool failed.';
      const outcome =
        code === 'permission_denied'
          ? 'denied'
          : code === 'invalid_input'
            ? 'invalid'
            : code === 'not_found'
              ? 'not_found'
              : 'failed';
      if (outcome === 'failed' && !code) throw error;
      return { ok: false, report: { name, outcome, message, entityIds: [] } };
    }
  }

  /**
   * A person id the model put in `to` is shown to the user by name. It is read as the user
   * (their own contact, for their eyes; the model is told nothing new), so a proposal to an
   * id that is no contact of theirs is refused before anyone presses Send.
   */
  async function recipientName(to: string): Promise<{ name?: string; problem?: string }> {
    if (!z.string().uuid().safeParse(to).success) return {};
    const owner = { kind: 'user' as const, id: deps.user.id, ownerId: deps.user.id };
    const person = await deps.actions.invoke(owner, 'entities.get', { id: to }).catch((error: unknown) => {
      if ((error as { code?: string }).code === 'not_found') return undefined;
      throw error;
    });
    const { type, title } = (person ?? {}) as { type?: string; title?: string };
    if (type !== 'person')
      return {
        problem: `${to} is not one of the user's contacts: use a person id from search_graph, a phone number or an email address.`,
      };
    return title ? { name: title } : {};
  }

  const failed = (report: ToolReport): ToolResult => ({
    content: JSON.stringify({
      error: report.outcome,
      message:
        report.outcome === 'denied'
          ? `${report.message} The user can allow it in Settings → Grants (principal "ai", id "assistant").`
          : report.message,
    }),
    report,
  });

  return async function run(call: ToolCall): Promise<ToolResult> {
    if (call.name === 'search_graph') {
      const input = searchInput.safeParse(call.arguments);
      if (!input.success)
        return failed({ name: call.name, outcome: 'invalid', message: 'query is 1–200 characters.', entityIds: [] });
      const result = await invoke('graph.search', input.data);
      if (!result.ok) return failed({ ...result.report, name: call.name });
      const { hits } = result.value as { hits: z.infer<typeof searchHit>[] };
      // Titles are classed as their entity: a cloud model gets the sensitive ones' ids and types only.
      const context = await deps.contextOf(
        deps.user,
        hits.map((h) => ({ entityId: h.id, type: h.type, title: h.title, text: '' })),
      );
      const cloudHits = hits.map((h, i) =>
        isSensitive(context.entities[i]!) ? { ...h, title: '(sensitive: only a local model may read it)' } : h,
      );
      return {
        content: JSON.stringify({ hits }),
        cloudContent: JSON.stringify({ hits: cloudHits }),
        report: { name: call.name, outcome: 'ok', message: null, entityIds: hits.map((h) => h.id) },
      };
    }
    if (call.name === 'read_entity') {
      const input = readInput.safeParse(call.arguments);
      if (!input.success)
        return failed({ name: call.name, outcome: 'invalid', message: 'id is an entity id (a UUID).', entityIds: [] });
      const result = await invoke('entities.get', input.data);
      if (!result.ok) return failed({ ...result.report, name: call.name });
      const entity = result.value as {
        id: string;
        type: string;
        title?: string;
        body?: string;
        occurredAt?: string | null;
      };
      const title = entity.title ?? '';
      const body = (entity.body ?? '').slice(0, BODY_CHARS);
      const [item] = (await deps.contextOf(deps.user, [{ entityId: entity.id, type: entity.type, title, text: body }]))
        .entities;
      const occurredAt = entity.occurredAt ?? null;
      const number = deps.addSource({
        entityId: entity.id,
        type: entity.type,
        title,
        occurredAt,
        sensitive: isSensitive(item!),
      });
      return {
        prefix: `${JSON.stringify({ source: number, id: entity.id, type: entity.type, date: occurredAt })}\n`,
        content: item!.text,
        item: item!,
        report: { name: call.name, outcome: 'ok', message: null, entityIds: [entity.id] },
      };
    }
    if (call.name === 'propose_send') {
      const input = proposalInput.safeParse(call.arguments);
      if (!input.success)
        return failed({ name: call.name, outcome: 'invalid', message: proposalProblem(input.error), entityIds: [] });
      const { attachments: fileIds, ...message } = input.data;
      const invalid = (text: string) => failed({ name: call.name, outcome: 'invalid', message: text, entityIds: [] });
      if (fileIds.length > 0 && message.channel !== 'email')
        return invalid('Only an email carries attachments: set channel to "email".');
      // Each file is read as the assistant (its grant, audited): a proposal cannot name what it may not read.
      const attachments: ProposedAttachment[] = [];
      for (const id of new Set(fileIds)) {
        const result = await invoke('entities.get', { id });
        if (!result.ok) return failed({ ...result.report, name: call.name });
        const attachment = attachmentOf(result.value);
        if (typeof attachment === 'string') return invalid(attachment);
        attachments.push(attachment);
      }
      const tooLarge = attachmentsProblem(attachments);
      if (tooLarge) return invalid(tooLarge);
      const recipient = await recipientName(message.to);
      if (recipient.problem) return invalid(recipient.problem);
      const proposal: SendProposal = {
        ...message,
        ...(recipient.name ? { toName: recipient.name } : {}),
        ...(attachments.length > 0 ? { attachments } : {}),
      };
      return {
        content: JSON.stringify({ proposed: true, note: 'Shown to the user, who sends it only if they confirm.' }),
        report: {
          name: call.name,
          outcome: 'proposed',
          message: null,
          entityIds: attachments.map((a) => a.id),
          proposal,
        },
      };
    }
    return failed({ name: call.name, outcome: 'invalid', message: `There is no tool ${call.name}.`, entityIds: [] });
  };
}

export type ToolRunner = ReturnType<typeof createToolRunner>;
