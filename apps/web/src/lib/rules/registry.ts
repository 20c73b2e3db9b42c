import { eventRegistry } from '@made-open/shared/event-registry';
import { parseRuleDefinition, type RuleIssue } from '@made-open/shared/rules';

/**
 * What the builder knows of the hub's registries without asking it: the event types a
 * trigger can name, the fields of their payloads (suggested for comparisons), and the
 * same type check the hub runs at save, so problems show at the field as you type.
 */
export const eventTypes: string[] = [...new Set(eventRegistry.definitions.map((d) => d.type))].sort();

/** An input with a fixed set of values: shown as a select (value, what it means). */
export type FieldChoices = ReadonlyArray<readonly [value: string, label: string]>;

export interface RuleActionSpec {
  label: string;
  /** The inputs it takes, in the order the form shows them. */
  fields: string[];
  /** What a new step of this action starts with (the input it needs filled in). */
  defaults?: Record<string, string>;
  /** Inputs with a fixed set of values. */
  choices?: Record<string, FieldChoices>;
  /** A line under an input saying what it is. */
  hints?: Record<string, string>;
  /** A line under the action saying what it does. */
  note?: string;
  /** Inputs chosen from the user's own things (plugin: their installed plugins). */
  pickers?: Record<string, 'plugin'>;
  /** Inputs written as JSON (any value), checked as the user types. */
  json?: string[];
}

/** One of the user's installed plugins, as a "Run a plugin" step offers it. */
export interface PluginChoice {
  id: string;
  name: string;
  status: string;
  /** It declares a manual trigger: a rule can run it. */
  runnable: boolean;
}

/** The most JSON a rule may pass to a plugin (the hub's pluginRunLimits.inputChars). */
export const pluginInputChars = 64 * 1024;

/** Why a JSON input's text cannot be used, or null (empty text: no input). */
export function jsonInputProblem(text: string, maxChars = pluginInputChars): string | null {
  if (text.trim() === '') return null;
  try {
    JSON.parse(text);
  } catch (error) {
    return `Not valid JSON: ${(error as Error).message}`;
  }
  return text.length > maxChars ? `At most ${maxChars} characters of JSON (this is ${text.length}).` : null;
}

/** Actions a rule can run (the hub's rules.permissions.ts) and the inputs each takes. */
export const ruleActions: Record<string, RuleActionSpec> = {
  notify: { label: 'Notify me in the web app', fields: ['title', 'body'] },
  'messages.send': { label: 'Send a text', fields: ['to', 'body'] },
  'entities.create': { label: 'Create a task, note or other item', fields: ['type', 'title'] },
  'entities.update': { label: 'Update an item', fields: ['id'] },
  'entities.get': { label: 'Read an item', fields: ['id'] },
  'entities.query': { label: 'Find items', fields: ['type'] },
  log: { label: 'Write to the run’s trace', fields: ['message'] },
  'ai.summarize': {
    label: 'Ask AI to summarise',
    fields: ['subjectId', 'scope', 'instruction', 'saveAs'],
    defaults: { subjectId: '{{ trigger.data.entity.id }}', scope: 'entity', saveAs: 'note' },
    choices: {
      scope: [
        ['entity', 'The item itself'],
        ['thread', 'The conversation a message is in'],
        ['person', 'A person’s recent history'],
      ],
      saveAs: [
        ['note', 'Save it as a note linked to the item'],
        ['none', 'Only pass it on to later steps'],
      ],
    },
    hints: {
      subjectId: 'The id of what to summarise, such as {{ trigger.data.entity.id }} or {{ person.id }}.',
      instruction: 'Optional: what to focus on.',
    },
    note: 'Your own AI model writes it: private data such as messages goes only to a local model unless you allowed a redacted copy in Settings → AI. Later steps read steps.<id>.output.summary.',
  },
  'ai.draftReply': {
    label: 'Ask AI to draft a reply (never sent)',
    fields: ['messageId', 'instruction'],
    defaults: { messageId: '{{ trigger.data.entity.id }}' },
    hints: {
      messageId: 'The text or email to answer, such as {{ trigger.data.entity.id }}.',
      instruction: 'Optional: what the reply should say.',
    },
    note: 'The draft is saved as a note linked to the message for you to edit and send yourself; the rule never sends it. Messages go only to a local model unless you allowed a redacted copy in Settings → AI.',
  },
  'plugins.run': {
    label: 'Run a plugin',
    fields: ['pluginId', 'input'],
    pickers: { pluginId: 'plugin' },
    json: ['input'],
    hints: {
      pluginId: 'One of your installed plugins that can be run on demand (a manual trigger).',
      input: 'Optional: the JSON its run(input) gets, such as {"title": "{{ trigger.data.entity.title }}"}.',
    },
    note: 'The plugin runs as itself, with only the permissions you granted it in Settings → Plugins; the rule asks only to start it. Each run is in the plugin’s run log. Later steps read steps.<id>.output.result.',
  },
};

type Def = { type: string; [key: string]: unknown };
type Schema = { _zod: { def: Def } };

function unwrap(schema: Schema): Schema {
  let current = schema;
  for (let i = 0; i < 10; i++) {
    const def = current._zod.def;
    if (['optional', 'nullable', 'default', 'readonly'].includes(def.type)) current = def.innerType as Schema;
    else if (def.type === 'lazy') current = (def.getter as () => Schema)();
    else break;
  }
  return current;
}

/** `trigger.data.*` paths of an event type's payload, two levels deep. */
export function payloadPaths(type: string): string[] {
  const v = eventRegistry.latestVersion(type);
  const found = eventRegistry.definitions.find((d) => d.type === type && d.v === v);
  if (!found) return [];
  const out: string[] = [];
  const walk = (schema: Schema, prefix: string, depth: number) => {
    const def = unwrap(schema)._zod.def;
    if (def.type !== 'object') return;
    for (const [key, child] of Object.entries(def.shape as Record<string, Schema>)) {
      out.push(`${prefix}.${key}`);
      if (depth < 2) walk(child, `${prefix}.${key}`, depth + 1);
    }
  };
  walk(found.data as unknown as Schema, 'trigger.data', 1);
  return out;
}

export function checkDraft(draft: unknown): RuleIssue[] {
  const parsed = parseRuleDefinition(draft, eventRegistry);
  return parsed.ok ? [] : parsed.issues;
}
