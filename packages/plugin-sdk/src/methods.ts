/**
 * The one list of PluginContext methods. The SDK's PluginContext type, the sandbox
 * bootstrap's stubs and the hub's dispatch are all built from this table, so adding a ctx
 * method is one entry here plus the hub action it calls (apps/hub/src/modules/actions).
 */
import type { Entity, FetchInit, FetchResponse } from './context.ts';

/** How one positional argument of a ctx method becomes a field of the call's JSON input. */
export interface ArgSpec {
  name: string;
  /** JSON used when the argument is undefined. */
  default?: unknown;
  /** JSON used when the argument is falsy (undefined, null, '', 0, false). */
  fallback?: unknown;
  /** Converted with String() inside the sandbox (log messages). */
  string?: boolean;
}

export interface MethodSpec {
  /** The hub action this method invokes (its host call name). */
  action: string;
  /** 'input': the first argument is the call's input as is; a list packs the positional arguments into an object. */
  args: 'input' | readonly ArgSpec[];
  /** With args 'input': what to send when the argument is falsy. */
  inputFallback?: unknown;
  /** Fixed fields added to the input (log's level). */
  fixed?: Record<string, string>;
  /** Network work crosses asynchronously, so several can overlap (Promise.all of fetches). */
  overlaps?: boolean;
  /** Returns nothing and never rejects (logging). */
  fireAndForget?: boolean;
}

/** A table entry that also carries the method's TypeScript signature (for the SDK's types only). */
export type Method<Signature> = MethodSpec & { readonly __signature?: Signature };
const method = <Signature>(spec: MethodSpec): Method<Signature> => spec;

export const contextMethods = {
  'entities.get': method<(id: string) => Promise<Entity>>({ action: 'entities.get', args: [{ name: 'id' }] }),
  'entities.query': method<
    (query: {
      type?: string;
      q?: string;
      limit?: number;
      cursor?: string;
    }) => Promise<{ items: Entity[]; nextCursor: string | null }>
  >({ action: 'entities.query', args: 'input', inputFallback: {} }),
  'entities.create': method<
    (input: {
      type: string;
      title?: string;
      body?: string;
      properties?: Record<string, unknown>;
      occurredAt?: string;
    }) => Promise<Entity>
  >({ action: 'entities.create', args: 'input' }),
  'entities.update': method<
    (
      id: string,
      input: { version: number; title?: string; body?: string; properties?: Record<string, unknown> },
    ) => Promise<Entity>
  >({ action: 'entities.update', args: [{ name: 'id' }, { name: 'input' }] }),
  'events.emit': method<(name: string, payload: Record<string, unknown>) => Promise<void>>({
    action: 'events.emit',
    args: [{ name: 'name' }, { name: 'payload' }],
  }),
  'http.fetch': method<(url: string, init?: FetchInit) => Promise<FetchResponse>>({
    action: 'http.fetch',
    args: [{ name: 'url' }, { name: 'init', fallback: {} }],
    overlaps: true,
  }),
  'storage.get': method<<T = unknown>(key: string) => Promise<T | null>>({
    action: 'storage.get',
    args: [{ name: 'key' }],
  }),
  'storage.set': method<(key: string, value: unknown) => Promise<void>>({
    action: 'storage.set',
    args: [{ name: 'key' }, { name: 'value' }],
  }),
  'storage.delete': method<(key: string) => Promise<void>>({ action: 'storage.delete', args: [{ name: 'key' }] }),
  'storage.list': method<(prefix?: string) => Promise<string[]>>({
    action: 'storage.list',
    args: [{ name: 'prefix', fallback: '' }],
  }),
  'log.info': method<(message: string, data?: unknown) => void>(logSpec('info')),
  'log.warn': method<(message: string, data?: unknown) => void>(logSpec('warn')),
  'log.error': method<(message: string, data?: unknown) => void>(logSpec('error')),
  notify: method<(notification: { title: string; body?: string }) => Promise<void>>({
    action: 'notify',
    args: 'input',
  }),
};

function logSpec(level: 'info' | 'warn' | 'error'): MethodSpec {
  return {
    action: 'log',
    args: [
      { name: 'message', string: true },
      { name: 'data', default: null },
    ],
    fixed: { level },
    fireAndForget: true,
  };
}

export type ContextMethodName = keyof typeof contextMethods;

/** The host call names (actions) plugins can reach, each once. */
export const contextActions: readonly string[] = [...new Set(Object.values(contextMethods).map((m) => m.action))];

type SignatureOf<M> = M extends Method<infer S> ? S : never;
type Group<Name> = Name extends `${infer G}.${string}` ? G : Name;
type Methods = { [Name in ContextMethodName]: SignatureOf<(typeof contextMethods)[Name]> };

/** The methods of PluginContext, nested by their dotted names (entities.get -> ctx.entities.get). */
export type ContextMethods = {
  [G in Group<ContextMethodName>]: G extends keyof Methods
    ? Methods[G]
    : { [Name in ContextMethodName as Name extends `${G}.${infer M}` ? M : never]: Methods[Name] };
};
