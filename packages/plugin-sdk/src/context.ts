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

export interface PluginContext {
  plugin: { id: string; version: string };
  config: {
    values: Record<string, string | number | boolean>;
    credentials: Record<string, CredentialHandle>;
  };
  entities: {
    get(id: string): Promise<Entity>;
    query(query: {
      type?: string;
      q?: string;
      limit?: number;
      cursor?: string;
    }): Promise<{ items: Entity[]; nextCursor: string | null }>;
    create(input: {
      type: string;
      title?: string;
      body?: string;
      properties?: Record<string, unknown>;
      occurredAt?: string;
    }): Promise<Entity>;
    update(
      id: string,
      input: { version: number; title?: string; body?: string; properties?: Record<string, unknown> },
    ): Promise<Entity>;
  };
  events: { emit(name: string, payload: Record<string, unknown>): Promise<void> };
  http: { fetch(url: string, init?: FetchInit): Promise<FetchResponse> };
  storage: {
    get<T = unknown>(key: string): Promise<T | null>;
    set(key: string, value: unknown): Promise<void>;
    delete(key: string): Promise<void>;
    list(prefix?: string): Promise<string[]>;
  };
  log: {
    info(message: string, data?: unknown): void;
    warn(message: string, data?: unknown): void;
    error(message: string, data?: unknown): void;
  };
  notify(notification: { title: string; body?: string }): Promise<void>;
}

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
