import type { FastifyInstance } from 'fastify';

export interface DependencyHealth {
  status: 'ok' | 'degraded' | 'down';
  /** Short facts for an operator: mode, lag, counts. Never secrets. */
  details?: Record<string, unknown>;
}

/**
 * What `createXModule(deps)` returns (DESIGN §2). The composition root collects these;
 * the app registers routes, and health checks feed /health.
 */
export interface HubModule {
  name: string;
  /** Registered as an encapsulated Fastify plugin. */
  routes?: (app: FastifyInstance) => Promise<void>;
  /** Dependencies this module reports on in /health, by name. */
  health?: () => Promise<Record<string, DependencyHealth>>;
  /** Prometheus text-format lines for /metrics. */
  metrics?: () => Promise<string>;
  /** Called once after migrations, before listening (start consumers, workers). */
  start?: () => Promise<void>;
  /** Called on shutdown, in reverse order, after the server stops accepting requests. */
  stop?: () => Promise<void>;
}
