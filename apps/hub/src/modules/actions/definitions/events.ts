import { z } from 'zod';
import { ActionError, actionLimits, defineAction } from '../actions.types.ts';

const done = z.null();

/** plugin.Emitted and plugin.Notification name a plugin: other kinds get their own events when they need them. */
export const eventsEmit = defineAction({
  name: 'events.emit',
  description: 'Emits a named event with a JSON payload (plugin.Emitted) for the owner.',
  principals: ['plugin'],
  input: z.object({
    name: z.string().regex(/^[a-z][a-zA-Z0-9.]{0,99}$/),
    payload: z
      .record(z.string(), z.unknown())
      .nullish()
      .transform((p) => p ?? {}),
  }),
  inputLabel: 'event',
  output: done,
  lookup: (_context, input) => {
    if (JSON.stringify(input.payload).length > actionLimits.emitPayloadChars)
      throw new ActionError('limit', 'Event payloads are limited to 16 KB.');
  },
  permission: (input) => [
    { permission: `events:emit:${input.name}`, resource: input.name, what: `emit ${input.name} events` },
  ],
  run: async (context, input) => {
    const { principal } = context;
    await context.append({
      type: 'plugin.Emitted',
      ownerId: principal.ownerId,
      subject: principal.id,
      actor: context.caller.actor,
      data: { pluginId: principal.id, name: input.name, payload: input.payload },
    });
    return null;
  },
});

export const notify = defineAction({
  name: 'notify',
  description: 'Raises a notification for the owner (plugin.Notification, or rule.Notification from a rule run).',
  principals: ['plugin', 'rule'],
  input: z.object({ title: z.string().min(1).max(200), body: z.string().max(2000).default('') }),
  inputLabel: 'notification',
  output: done,
  permission: () => [{ permission: 'notify', resource: null, what: 'send notifications' }],
  run: async (context, input) => {
    const { principal } = context;
    const runId = context.caller.actor.runId;
    if (principal.kind === 'rule') {
      if (!runId) throw new Error('A rule notifies from a run: its actor carries the run id.');
      await context.append({
        type: 'rule.Notification',
        ownerId: principal.ownerId,
        subject: principal.id,
        actor: context.caller.actor,
        data: { ruleId: principal.id, runId, title: input.title, body: input.body },
      });
      return null;
    }
    await context.append({
      type: 'plugin.Notification',
      ownerId: principal.ownerId,
      subject: principal.id,
      actor: context.caller.actor,
      data: { pluginId: principal.id, title: input.title, body: input.body },
    });
    return null;
  },
});

/** Log lines need no permission; past the per-invocation allowance they are dropped silently. */
export const log = defineAction({
  name: 'log',
  description: "Writes a line to the hub's log, tagged with the principal and owner.",
  input: z.object({
    level: z.unknown().transform((l) => (l === 'warn' || l === 'error' ? l : 'info')),
    message: z.unknown().transform((m) => String(m).slice(0, 2000)),
    data: z.unknown().transform((d) => JSON.stringify(d ?? null).slice(0, 4000)),
  }),
  inputLabel: 'log line',
  output: done,
  permission: () => [],
  run: async (context, line) => {
    if (++context.session.logLines > actionLimits.logLinesPerInvocation) return null;
    const { principal } = context;
    const tags =
      principal.kind === 'plugin'
        ? { pluginId: principal.id, ownerId: principal.ownerId }
        : { principal: `${principal.kind}:${principal.id}`, ownerId: principal.ownerId };
    const logger = context.deps.logger.child(tags);
    logger[line.level]({ pluginLog: principal.kind === 'plugin', data: line.data }, line.message);
    return null;
  },
});
