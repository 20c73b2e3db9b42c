import type { ContextMethods } from './methods.ts';

/**
 * What a plugin's handlers receive. Everything crosses the sandbox boundary as copied
 * JSON: no function, Reference or host object ever reaches plugin code, and every call
 * is checked by the hub's Policy Service (declared in the manifest AND granted by the user).
 */
export interface Entity {
  id: string;
  type: string;
  title: string;
  body: string;
  properties: Record<string, unknown>;
  version: number;
  occurredAt: string | null;
  createdAt: string;
  updatedAt: string;
  [field: string]: unknown;
}

export interface CredentialHandle {
  /** Opaque: pass it to ctx.http.fetch; it is not the secret and is useless elsewhere. */
  handle: string;
  type: string;
  /** Identifying, non-secret fields (a Twilio Account SID, a Microsoft tenant id). */
  public: Record<string, string>;
}

export interface FetchInit {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  /** Fill a credential in host-side, only for the hosts its type allows. */
  credential?: { handle: string; as?: 'basic' | 'bearer' | 'header' | 'query'; name?: string };
}

export interface FetchResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * What a handler's ctx holds: the plugin's identity and config, and the methods listed in
 * methods.ts (entities, events, http, storage, log, notify), each a call to a hub action.
 */
export type PluginContext = {
  plugin: { id: string; version: string };
  config: {
    values: Record<string, string | number | boolean>;
    credentials: Record<string, CredentialHandle>;
  };
} & ContextMethods;

export interface EventInput {
  id: string;
  type: string;
  subject: string;
  time: string;
  data: Record<string, unknown>;
}

export interface ScheduleInput {
  name: string;
  firedAt: string;
}

/** What a bundle exports (module.exports = { ... }). Each returns JSON-serialisable data. */
export interface PluginHandlers {
  onEvent?(event: EventInput, ctx: PluginContext): unknown;
  onSchedule?(schedule: ScheduleInput, ctx: PluginContext): unknown;
  run?(input: unknown, ctx: PluginContext): unknown;
}

/** Identity helper for typed plugin sources. */
export function definePlugin(handlers: PluginHandlers): PluginHandlers {
  return handlers;
}
