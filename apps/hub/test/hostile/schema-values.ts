import { randomUUID } from 'node:crypto';

/** The subset of JSON Schema (as fastify-type-provider-zod emits it) the sweep reads. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  nullable?: boolean;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
  example?: unknown;
}

/** The schema's first alternative: what a well-behaved client most likely sends. */
export function firstAlternative(schema: JsonSchema): JsonSchema {
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives?.length) return firstAlternative(alternatives[0]!);
  if (schema.allOf?.length) return Object.assign({}, ...schema.allOf.map(firstAlternative)) as JsonSchema;
  return schema;
}

export function typeOf(schema: JsonSchema): string | undefined {
  const s = firstAlternative(schema);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (type) return type;
  if (s.properties) return 'object';
  return undefined;
}

const stringFormats: Record<string, () => string> = {
  uuid: () => randomUUID(),
  'date-time': () => '2026-01-02T03:04:05.000Z',
  date: () => '2026-01-02',
  time: () => '03:04:05',
  email: () => 'someone@example.test',
  uri: () => 'https://example.test/',
  url: () => 'https://example.test/',
};

/** Strings that commonly pass the hub's patterns and refinements, tried in order. */
const stringCandidates = [
  'sweep',
  'sweep-value',
  'GB',
  'Europe/London',
  '+14155550100',
  'someone@example.test',
  'https://example.test/',
  'image/png',
  'note',
  '2026-01-02',
  '2026-01-02T03:04:05.000Z',
  'sms:+14155550100',
  `AC${'0'.repeat(32)}`,
  'X',
  '1',
];

/** Field names whose values the hub refines beyond their JSON Schema. */
const nameHints: [RegExp, string][] = [
  [/country|region/i, 'GB'],
  [/time_?zone/i, 'Europe/London'],
  [/email/i, 'someone@example.test'],
  [/phone|number$/i, '+14155550100'],
  [/url|redirect|return_?to/i, 'https://example.test/'],
  [/mime/i, 'image/png'],
];

function sampleString(s: JsonSchema, name: string): string {
  const format = s.format && stringFormats[s.format];
  if (format) return format();
  const min = s.minLength ?? 1;
  const max = s.maxLength ?? Infinity;
  const fits = (value: string) =>
    value.length >= min && value.length <= max && (!s.pattern || new RegExp(s.pattern, 'u').test(value));
  const hint = nameHints.find(([pattern]) => pattern.test(name))?.[1];
  return [hint, ...stringCandidates].find((value) => value !== undefined && fits(value)) ?? 'x'.repeat(min);
}

/**
 * A plausible valid value for `schema`, so that one hostile field at a time gets past the
 * others' validation and reaches the code behind it. Patterns are not honoured: a value
 * they refuse only stops that variant earlier, at a 400.
 */
export function sampleValue(schema: JsonSchema, depth = 0, name = ''): unknown {
  const s = firstAlternative(schema);
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum[0];
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  switch (typeOf(s)) {
    case 'string':
      return sampleString(s, name);
    case 'integer':
    case 'number':
      return Math.max(1, s.minimum ?? 1);
    case 'boolean':
      return false;
    case 'array':
      return depth > 4 || !s.items
        ? []
        : Array.from({ length: s.minItems ?? 1 }, () => sampleValue(s.items!, depth + 1, name));
    case 'object':
      return sampleObject(s, depth);
    default:
      return 'x';
  }
}

function sampleObject(schema: JsonSchema, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (depth > 4) return out;
  // Required properties only: optional ones often carry refinements the schema cannot show.
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (schema.required?.includes(name)) out[name] = sampleValue(property, depth + 1, name);
  }
  // A free-form map (z.record): one entry, so key and value transforms have something to bite.
  if (!schema.properties && schema.additionalProperties !== false) out.key = 'value';
  return out;
}

/** A value of a type `schema` does not allow. */
export function wrongTypeValue(schema: JsonSchema): unknown {
  switch (typeOf(schema)) {
    case 'string':
      return 12345;
    case 'integer':
    case 'number':
      return 'not-a-number';
    case 'boolean':
      return 'yes';
    case 'object':
      return 'not-an-object';
    case 'array':
      return { not: 'an array' };
    default:
      return [[{}]];
  }
}

/** `value` with every string (and, with `keys`, every object key) passed through `change`. */
export function mapStrings(value: unknown, change: (text: string) => string, keys = false): unknown {
  if (typeof value === 'string') return change(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, change, keys));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [keys ? change(k) : k, mapStrings(v, change, keys)]),
    );
  }
  return value;
}

/** `{"a":{"a":...1}}`, `levels` deep, as JSON text (JSON.stringify would recurse as deep). */
export function nestedJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}
