import { RE2JS } from 're2js';
import { z } from 'zod';
import { leadTimeEventTypes, maxMinutesBefore } from './calendar-events.ts';
import type { EventRegistry } from './event-registry.ts';

/**
 * Rules (issue 14, integrations.md §3.2, ADR 0016): a trigger, conditions over what the
 * trigger carries, and steps run through the actions registry as the policy principal
 * `rule`. The JSON is canonical and diffable; every save is an immutable version.
 */

/**
 * A `matches` pattern, compiled for RE2's linear-time engine, case-insensitive. A rule's
 * conditions run on text strangers send (an SMS, a mail subject): with JavaScript's
 * backtracking engine a pattern like ^(a+)+$ took seconds per 30 characters, each second
 * the whole hub's event loop, and hours for 40. RE2 refuses lookaround and backreferences.
 */
export function compileMatchPattern(pattern: string): RE2JS {
  return RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
}

const id = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,39}$/, 'ids are a letter then letters, digits, _ or -, up to 40 characters');

/**
 * A path into what a run can see: `trigger.data.from`, `trigger.subject`, `trigger.time`,
 * `person.properties.tags` (the trigger's person), `steps.<stepId>.output.id`.
 */
export const rulePathSchema = z
  .string()
  .max(200)
  .regex(
    /^(trigger|person|steps)(\.[A-Za-z0-9_-]{1,64}){0,8}$/,
    'a path starts with trigger, person or steps, then dotted names (trigger.data.from)',
  );

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'times are HH:MM, 24-hour');
const timeZone = z
  .string()
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'not an IANA time zone (such as Europe/London)');

export const comparisonOps = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'matches', 'exists'] as const;

export type RuleCondition =
  | { all: RuleCondition[] }
  | { any: RuleCondition[] }
  | { not: RuleCondition }
  | { cmp: { left: string; op: (typeof comparisonOps)[number]; right?: unknown } }
  | { time: { after?: string; before?: string; weekdays?: number[]; tz: string } }
  | { person: { by?: string; tag?: string; group?: string; known?: boolean } }
  | { atMost: { times: number; perSeconds: number } };

const scalar = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

export const ruleConditionSchema: z.ZodType<RuleCondition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(ruleConditionSchema).min(1).max(50) }),
    z.strictObject({ any: z.array(ruleConditionSchema).min(1).max(50) }),
    z.strictObject({ not: ruleConditionSchema }),
    z.strictObject({
      cmp: z
        .strictObject({
          left: rulePathSchema,
          op: z.enum(comparisonOps),
          right: z.union([scalar, z.array(scalar).max(100)]).optional(),
        })
        .superRefine((cmp, ctx) => {
          if (cmp.op === 'matches') {
            if (typeof cmp.right !== 'string' || cmp.right.length > 200)
              return ctx.addIssue({ code: 'custom', message: 'matches takes a pattern of up to 200 characters' });
            try {
              compileMatchPattern(cmp.right);
            } catch (error) {
              ctx.addIssue({
                code: 'custom',
                message: `matches takes a regular expression without lookaround or backreferences: ${(error as Error).message}`,
              });
            }
          }
          if (cmp.op === 'in' && !Array.isArray(cmp.right))
            ctx.addIssue({ code: 'custom', message: 'in takes a list of values' });
        }),
    }),
    z.strictObject({
      time: z.strictObject({
        after: hhmm.optional(),
        before: hhmm.optional(),
        /** 0 = Sunday ... 6 = Saturday. */
        weekdays: z.array(z.number().int().min(0).max(6)).min(1).max(7).optional(),
        tz: timeZone,
      }),
    }),
    z.strictObject({
      /**
       * The trigger's person has a tag, is in a group, is known at all. `by`: where the person
       * is (default trigger.data.personId): a person id, or a phone number or email address
       * looked up among the owner's identifiers.
       */
      person: z
        .strictObject({
          by: rulePathSchema.optional(),
          tag: z.string().min(1).max(100).optional(),
          group: z.string().min(1).max(100).optional(),
          known: z.boolean().optional(),
        })
        .refine(
          (p) => p.tag !== undefined || p.group !== undefined || p.known !== undefined,
          'say what to check: tag, group or known',
        ),
    }),
    z.strictObject({
      /** The rule has run at most `times - 1` times in the last `perSeconds`: this run is at most the N-th. */
      atMost: z.strictObject({
        times: z.number().int().min(1).max(10_000),
        perSeconds: z
          .number()
          .int()
          .min(1)
          .max(31 * 86_400),
      }),
    }),
  ]),
);

/** A 5-field cron expression (minute hour day-of-month month day-of-week). */
export const cronSchema = z
  .string()
  .max(100)
  .refine((expr) => parseCron(expr) !== null, 'a cron expression has 5 fields: minute hour day month weekday');

export const ruleTriggerSchema = z.discriminatedUnion('type', [
  z
    .strictObject({
      id,
      type: z.literal('event'),
      /** A type in the event registry (comms.SmsReceived, comms.CallMissed, data.EntityCreated, ...). */
      event: z.string().max(100),
      filter: ruleConditionSchema.optional(),
      /** Items from imports and initial syncs carry actor.backfill: they fire the rule only when this is true. */
      includeBackfill: z.boolean().default(false),
      /** calendar.EventStarting only (and required there): how many minutes before the start, 0 to 10080 (7 days). */
      minutesBefore: z
        .number()
        .int('minutesBefore is a whole number of minutes')
        .min(0, `minutesBefore is 0 to ${maxMinutesBefore} minutes (7 days)`)
        .max(maxMinutesBefore, `minutesBefore is 0 to ${maxMinutesBefore} minutes (7 days)`)
        .optional(),
    })
    .superRefine((trigger, ctx) => {
      const takesLeadTime = leadTimeEventTypes.includes(trigger.event);
      if (takesLeadTime && trigger.minutesBefore === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['minutesBefore'],
          message: `${trigger.event} needs minutesBefore: how many minutes before the start (0 to ${maxMinutesBefore})`,
        });
      if (!takesLeadTime && trigger.minutesBefore !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['minutesBefore'],
          message: `minutesBefore is only for ${leadTimeEventTypes.join(', ')} triggers`,
        });
    }),
  z.strictObject({ id, type: z.literal('schedule'), cron: cronSchema, tz: timeZone.default('UTC') }),
  z.strictObject({ id, type: z.literal('manual') }),
  /** POST /api/v1/rules/{id}/webhook with the rule's own secret (made at save, shown once). */
  z.strictObject({ id, type: z.literal('webhook') }),
]);
export type RuleTrigger = z.infer<typeof ruleTriggerSchema>;

export type RuleStep =
  | { id: string; type: 'action'; action: string; with: Record<string, unknown>; continueOnError?: boolean }
  | { id: string; type: 'delay'; seconds: number }
  | { id: string; type: 'choose'; choices: { when: RuleCondition; steps: RuleStep[] }[]; otherwise?: RuleStep[] }
  | { id: string; type: 'stop'; reason?: string };

export const ruleStepSchema: z.ZodType<RuleStep> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.strictObject({
      id,
      type: z.literal('action'),
      /** A name in the actions registry (notify, entities.create, messages.send, http.fetch, ...). */
      action: z.string().regex(/^[a-z][a-zA-Z0-9.]{0,63}$/, 'an action name from the actions registry'),
      /** The action's input; strings may hold {{ path }} placeholders, rendered per run. */
      with: z.record(z.string(), z.unknown()).default({}),
      continueOnError: z.boolean().optional(),
    }),
    /** Waits durably (a pg-boss job): survives restarts. */
    z.strictObject({
      id,
      type: z.literal('delay'),
      seconds: z
        .number()
        .int()
        .min(1)
        .max(30 * 86_400),
    }),
    z.strictObject({
      id,
      type: z.literal('choose'),
      choices: z
        .array(z.strictObject({ when: ruleConditionSchema, steps: z.array(ruleStepSchema).max(50) }))
        .min(1)
        .max(20),
      otherwise: z.array(ruleStepSchema).max(50).optional(),
    }),
    z.strictObject({ id, type: z.literal('stop'), reason: z.string().max(200).optional() }),
  ]),
);

export const ruleModes = ['single', 'restart', 'queued', 'parallel'] as const;

export const ruleDefinitionSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).default(''),
  /** single: a run while one is active is skipped; restart: cancels it; queued: waits (up to max); parallel: up to max at once. */
  mode: z.enum(ruleModes).default('single'),
  max: z.number().int().min(1).max(100).default(10),
  triggers: z.array(ruleTriggerSchema).min(1).max(10),
  conditions: ruleConditionSchema.optional(),
  steps: z.array(ruleStepSchema).min(1).max(50),
  limits: z
    .strictObject({
      /** Runs started per rolling hour; more are recorded as rate_limited. */
      perHour: z.number().int().min(1).max(100_000).default(60),
      /** An event caused by rules at this depth or deeper fires nothing (loop guard). */
      maxDepth: z.number().int().min(1).max(5).default(3),
    })
    .default({ perHour: 60, maxDepth: 3 }),
});
export type RuleDefinition = z.infer<typeof ruleDefinitionSchema>;
export type RuleDefinitionInput = z.input<typeof ruleDefinitionSchema>;

/* ---------- cron ---------- */

export interface CronFields {
  minute: Set<number>;
  hour: Set<number>;
  day: Set<number>;
  month: Set<number>;
  weekday: Set<number>;
  dayRestricted: boolean;
  weekdayRestricted: boolean;
}

function cronField(text: string, min: number, max: number): Set<number> | null {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) return null;
    const step = m[4] ? Number(m[4]) : 1;
    const from = m[1] === '*' ? min : Number(m[2]);
    const to = m[1] === '*' ? max : m[3] ? Number(m[3]) : m[4] ? max : from;
    if (step < 1 || from < min || to > max || from > to) return null;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** Parses a 5-field cron expression (numbers, *, ranges, lists, steps; weekday 7 = Sunday), or null. */
export function parseCron(expr: string): CronFields | null {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) return null;
  const [minute, hour, day, month, weekday] = [
    cronField(parts[0]!, 0, 59),
    cronField(parts[1]!, 0, 23),
    cronField(parts[2]!, 1, 31),
    cronField(parts[3]!, 1, 12),
    cronField(parts[4]!, 0, 7),
  ];
  if (!minute || !hour || !day || !month || !weekday) return null;
  if (weekday.has(7)) weekday.add(0);
  return {
    minute,
    hour,
    day,
    month,
    weekday,
    dayRestricted: parts[2] !== '*',
    weekdayRestricted: parts[4] !== '*',
  };
}

/** Wall-clock parts of `at` in a time zone. */
export function zonedParts(at: Date, tz: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    weekday: 'short',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  return {
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    weekday: weekdays.indexOf(get('weekday')),
  };
}

/** Does the minute `at` falls in match the cron expression in `tz`? (Day and weekday OR when both are set, as in cron.) */
export function cronMatches(fields: CronFields, at: Date, tz: string): boolean {
  const p = zonedParts(at, tz);
  if (!fields.minute.has(p.minute) || !fields.hour.has(p.hour) || !fields.month.has(p.month)) return false;
  const dayOk = fields.day.has(p.day);
  const weekdayOk = fields.weekday.has(p.weekday);
  if (fields.dayRestricted && fields.weekdayRestricted) return dayOk || weekdayOk;
  return dayOk && weekdayOk;
}

/* ---------- typing against the event registry ---------- */

export interface RuleIssue {
  path: string;
  message: string;
}

type AnySchema = z.ZodType & { _zod: { def: { type: string; [key: string]: unknown } } };

/** The schema at `segments` below `schema`, undefined when there is no such field, 'any' below records and unknowns. */
function schemaAt(schema: AnySchema, segments: readonly string[]): AnySchema | 'any' | undefined {
  let current: AnySchema = schema;
  for (let i = 0; i <= segments.length; i++) {
    // Unwrap wrappers before looking at the next segment.
    for (;;) {
      const def = current._zod.def;
      if (['optional', 'nullable', 'default', 'readonly', 'nonoptional', 'catch', 'prefault'].includes(def.type))
        current = def.innerType as AnySchema;
      else if (def.type === 'pipe') current = def.in as AnySchema;
      else if (def.type === 'lazy') current = (def.getter as () => AnySchema)();
      else break;
    }
    if (i === segments.length) return current;
    const segment = segments[i]!;
    const def = current._zod.def;
    if (def.type === 'object') {
      const next = (def.shape as Record<string, AnySchema>)[segment];
      if (!next) return undefined;
      current = next;
    } else if (def.type === 'array') {
      if (!/^\d+$/.test(segment) && segment !== 'length') return undefined;
      if (segment === 'length') return 'any';
      current = def.element as AnySchema;
    } else if (def.type === 'union') {
      const options = (def.options as AnySchema[]).map((o) => schemaAt(o, segments.slice(i)));
      return options.some((o) => o !== undefined) ? 'any' : undefined;
    } else if (['record', 'unknown', 'any'].includes(def.type)) return 'any';
    else return undefined;
  }
  return current;
}

const envelopeFields = new Set(['type', 'subject', 'time', 'ownerId', 'id', 'actor']);

function conditionPaths(condition: RuleCondition | undefined, at: string, out: { path: string; at: string }[]) {
  if (!condition) return;
  if ('all' in condition) condition.all.forEach((c, i) => conditionPaths(c, `${at}/all/${i}`, out));
  else if ('any' in condition) condition.any.forEach((c, i) => conditionPaths(c, `${at}/any/${i}`, out));
  else if ('not' in condition) conditionPaths(condition.not, `${at}/not`, out);
  else if ('cmp' in condition) out.push({ path: condition.cmp.left, at: `${at}/cmp/left` });
  else if ('person' in condition && condition.person.by) out.push({ path: condition.person.by, at: `${at}/person/by` });
}

function stepIds(steps: readonly RuleStep[], seen: Map<string, string>, at: string, issues: RuleIssue[]) {
  steps.forEach((step, i) => {
    const here = `${at}/${i}`;
    if (seen.has(step.id))
      issues.push({ path: `${here}/id`, message: `step id ${step.id} is used twice (also at ${seen.get(step.id)})` });
    seen.set(step.id, here);
    if (step.type === 'choose') {
      step.choices.forEach((choice, c) => stepIds(choice.steps, seen, `${here}/choices/${c}/steps`, issues));
      if (step.otherwise) stepIds(step.otherwise, seen, `${here}/otherwise`, issues);
    }
  });
}

/**
 * What zod cannot see alone: each event trigger names a registered type, each condition's
 * `trigger.data...` path exists in the payload schema of the trigger(s) it applies to, and
 * step ids are unique. Returns no issues for a rule that is well typed.
 */
export function checkRuleTypes(
  definition: RuleDefinition,
  registry: Pick<EventRegistry, 'definitions' | 'latestVersion'>,
): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const payloadOf = (type: string) => {
    const v = registry.latestVersion(type);
    return registry.definitions.find((d) => d.type === type && d.v === v)?.data as AnySchema | undefined;
  };
  const checkPath = (path: string, at: string, payloads: (AnySchema | null)[]) => {
    const [root, second, ...rest] = path.split('.');
    if (root !== 'trigger' || second === undefined) return;
    if (second !== 'data') {
      if (!envelopeFields.has(second))
        issues.push({
          path: at,
          message: `trigger.${second} is not a field of an event (type, subject, time, data, ...)`,
        });
      return;
    }
    const schemas = payloads.filter((p): p is AnySchema => p !== null);
    if (schemas.length === 0) {
      // Webhooks and manual runs carry free-form data.
      if (payloads.length > 0) return;
      issues.push({ path: at, message: `${path}: this rule has no event trigger with data` });
      return;
    }
    if (!schemas.some((schema) => schemaAt(schema, rest) !== undefined))
      issues.push({ path: at, message: `${path} is not in the payload of this rule's trigger` });
  };
  const triggerPayloads: (AnySchema | null)[] = [];
  definition.triggers.forEach((trigger, i) => {
    if (trigger.type === 'event') {
      const payload = payloadOf(trigger.event);
      if (!payload) {
        issues.push({ path: `/triggers/${i}/event`, message: `${trigger.event} is not a registered event type` });
        return;
      }
      triggerPayloads.push(payload);
      const paths: { path: string; at: string }[] = [];
      conditionPaths(trigger.filter, `/triggers/${i}/filter`, paths);
      for (const p of paths) checkPath(p.path, p.at, [payload]);
    } else if (trigger.type === 'webhook' || trigger.type === 'manual') triggerPayloads.push(null);
  });
  const ids = new Set<string>();
  definition.triggers.forEach((trigger, i) => {
    if (ids.has(trigger.id))
      issues.push({ path: `/triggers/${i}/id`, message: `trigger id ${trigger.id} is used twice` });
    ids.add(trigger.id);
  });
  const paths: { path: string; at: string }[] = [];
  conditionPaths(definition.conditions, '/conditions', paths);
  for (const p of paths) checkPath(p.path, p.at, triggerPayloads);
  stepIds(definition.steps, new Map(), '/steps', issues);
  return issues;
}

/** Parses and type-checks a definition: the parsed rule, or the issues (JSON-pointer paths). */
export function parseRuleDefinition(
  input: unknown,
  registry: Pick<EventRegistry, 'definitions' | 'latestVersion'>,
): { ok: true; definition: RuleDefinition } | { ok: false; issues: RuleIssue[] } {
  const parsed = ruleDefinitionSchema.safeParse(input);
  if (!parsed.success)
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => ({ path: `/${issue.path.join('/')}`, message: issue.message })),
    };
  const issues = checkRuleTypes(parsed.data, registry);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, definition: parsed.data };
}

/* ---------- the API's views ---------- */

export const ruleRunStatuses = [
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
  'rate_limited',
] as const;
export type RuleRunStatus = (typeof ruleRunStatuses)[number];

/** One entry of a run's trace: a condition with what it saw, or a step with its input, output, error and timing. */
export const traceEntrySchema = z.object({
  kind: z.enum(['trigger', 'condition', 'step']),
  /** Where in the definition: /conditions/all/0, /steps/2, /steps/1/choices/0/steps/0. */
  path: z.string(),
  stepId: z.string().optional(),
  status: z.enum(['ok', 'error', 'skipped', 'true', 'false', 'simulated', 'waiting', 'cancelled']),
  /** Conditions: the values they compared. Steps: the rendered input. */
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  t0: z.string(),
  t1: z.string(),
});
export type TraceEntry = z.infer<typeof traceEntrySchema>;
