import { entityTypes } from '@made-open/shared/entities';
import { providerRegistry } from '@made-open/shared/providers';
import { z } from 'zod';

/**
 * The plugin manifest (manifest.json beside one JavaScript bundle). The hub validates it
 * with this schema on install and upgrade; a plugin gets only the permissions it declares
 * here AND its user granted.
 *
 * Permission strings:
 *   entities:read:<type|*>        entities:write:<type|*>      (person, note, task, ...)
 *   events:subscribe:<type|prefix.*>   events:emit:<name>
 *   http:fetch:<host>             exact host, or *.example.com for its subdomains
 *   credentials:<type>            a registered provider: twilio | openrouter | microsoft | ollama | generic
 *   storage:read  storage:write   notify
 */
/** The graph's entity types, as the hub knows them (one list, in @made-open/shared). */
export { entityTypes };
/** Credential types are the registered providers (packages/shared/src/providers.ts). */
export const isCredentialType = (type: string): boolean => providerRegistry.has(type);

/**
 * JavaScript globals a plugin gets only when its manifest lists them in `globals`. Each
 * can escape the sandbox's limits: shared memory and Atomics can block or abort the
 * runtime, wasm memory lives outside the heap limit (the hub counts it against memoryMb),
 * and finalizer callbacks run after the invocation that created them.
 */
export const optionalGlobals = [
  'WebAssembly',
  'SharedArrayBuffer',
  'Atomics',
  'WeakRef',
  'FinalizationRegistry',
] as const;

/**
 * Names every JavaScript object already has (`constructor`, `toString`, `__proto__`, ...).
 * As config field or credential names they would be read from Object.prototype instead
 * of the user's values, and consent could never be given.
 */
export function isPrototypeKey(name: string): boolean {
  return name === '__proto__' || name === 'prototype' || Object.getOwnPropertyNames(Object.prototype).includes(name);
}

const reserved = (what: string, name: string) =>
  `${what} "${name}" is a name every JavaScript object already has (Object.prototype): choose another name`;

const host = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const eventPattern = /^([a-z][a-zA-Z0-9]*)(\.[A-Za-z][A-Za-z0-9]*)*(\.\*)?$/;
const emitName = /^[a-z][a-zA-Z0-9.]{0,99}$/;

export function isValidPermission(permission: string): boolean {
  const [kind, action, ...rest] = permission.split(':');
  const resource = rest.join(':');
  switch (kind) {
    case 'entities':
      return (
        (action === 'read' || action === 'write') &&
        rest.length === 1 &&
        (resource === '*' || (entityTypes as readonly string[]).includes(resource))
      );
    case 'events':
      if (action === 'subscribe') return rest.length === 1 && eventPattern.test(resource);
      if (action === 'emit') return rest.length === 1 && emitName.test(resource);
      return false;
    case 'http':
      return action === 'fetch' && rest.length === 1 && host.test(resource);
    case 'credentials':
      return rest.length === 0 && isCredentialType(action ?? '');
    case 'storage':
      return rest.length === 0 && (action === 'read' || action === 'write');
    case 'notify':
      return action === undefined;
    default:
      return false;
  }
}

export const permissionSchema = z.string().max(200).refine(isValidPermission, {
  message:
    'not a known permission (see the manifest documentation: entities:read:person, http:fetch:api.example.com, ...)',
});

export const triggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('event'), events: z.array(z.string().regex(eventPattern)).min(1).max(20) }),
  z.object({
    type: z.literal('schedule'),
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,40}$/)
      .default('default'),
    /** Five-field cron, UTC. */
    cron: z.string().regex(/^(\S+\s+){4}\S+$/, 'a five-field cron expression such as "0 8 * * *"'),
  }),
  z.object({ type: z.literal('manual') }),
]);

export const configFieldSchema = z.object({
  type: z.enum(['string', 'number', 'boolean']),
  description: z.string().max(500).optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
});

export const manifestSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/, 'lowercase letters, digits and dashes, 3-64 characters'),
    name: z.string().min(1).max(100),
    version: z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'a semantic version like 1.2.3'),
    description: z.string().max(1000).default(''),
    /** The bundle's file name, next to manifest.json. */
    main: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\.js$/)
      .default('index.js'),
    permissions: z.array(permissionSchema).max(100).default([]),
    triggers: z
      .array(triggerSchema)
      .max(20)
      .default([{ type: 'manual' }]),
    /** Credentials the plugin needs: the user binds one of their wallet's credentials to each. */
    credentials: z
      .array(
        z.object({
          name: z.string().regex(/^[a-z][a-zA-Z0-9_]{0,40}$/),
          type: z.string().refine(isCredentialType, 'not a known credential type (twilio, openrouter, microsoft, ...)'),
          description: z.string().max(500).optional(),
        }),
      )
      .max(10)
      .default([]),
    config: z
      .custom<Record<string, z.input<typeof configFieldSchema>>>()
      .superRefine((value, ctx) => {
        // Before the record schema: it drops an own "__proto__" key without a word.
        for (const name of value !== null && typeof value === 'object' ? Object.keys(value) : [])
          if (isPrototypeKey(name))
            ctx.addIssue({ code: 'custom', path: [name], message: reserved('config field', name) });
      })
      .pipe(z.record(z.string().regex(/^[a-z][a-zA-Z0-9_]{0,40}$/), configFieldSchema))
      .default({}),
    /** Optional globals the bundle needs (see optionalGlobals); none by default. */
    globals: z
      .array(z.enum(optionalGlobals))
      .max(optionalGlobals.length)
      .refine((names) => new Set(names).size === names.length, 'list each global once')
      .default([]),
    limits: z
      .object({
        memoryMb: z.number().int().min(8).max(128).default(32),
        timeoutMs: z.number().int().min(50).max(30_000).default(5_000),
      })
      .default({ memoryMb: 32, timeoutMs: 5_000 }),
  })
  .superRefine((manifest, ctx) => {
    for (const [i, credential] of manifest.credentials.entries())
      if (isPrototypeKey(credential.name))
        ctx.addIssue({
          code: 'custom',
          path: ['credentials', i, 'name'],
          message: reserved('credential', credential.name),
        });
    const declared = new Set(manifest.permissions);
    for (const [i, credential] of manifest.credentials.entries()) {
      if (!declared.has(`credentials:${credential.type}`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['credentials', i],
          message: `declare the permission credentials:${credential.type} to use a ${credential.type} credential`,
        });
      }
    }
    for (const [i, trigger] of manifest.triggers.entries()) {
      if (trigger.type !== 'event') continue;
      for (const type of trigger.events) {
        if (
          !manifest.permissions.some(
            (p) => p.startsWith('events:subscribe:') && matchesPattern(p.slice('events:subscribe:'.length), type),
          )
        ) {
          ctx.addIssue({ code: 'custom', path: ['triggers', i], message: `declare events:subscribe for ${type}` });
        }
      }
    }
  });

export type PluginManifest = z.infer<typeof manifestSchema>;
export type PluginManifestInput = z.input<typeof manifestSchema>;
export type PluginTrigger = z.infer<typeof triggerSchema>;

/** `comms.*` matches comms.SmsReceived; an exact name matches itself; `*` matches all. */
export function matchesPattern(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

/** `*.example.com` matches a.example.com (not example.com); otherwise exact. */
export function matchesHost(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}
