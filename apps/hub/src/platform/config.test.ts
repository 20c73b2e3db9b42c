import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('falls back to the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      webPort: 3000,
      dataDir: './.made-open',
      databaseUrl: undefined,
      natsUrl: undefined,
      meili: undefined,
    });
    expect(config.publicUrl).toBe('http://127.0.0.1:4000');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', NATS_URL: '' })).toMatchObject({
      databaseUrl: undefined,
      natsUrl: undefined,
    });
  });

  it('reads the plugin limits, with defaults', () => {
    expect(loadConfig({}).plugins).toEqual({ eventRate: { burst: 1000, perSecond: 50 }, memoryBudgetMb: undefined });
    expect(
      loadConfig({ PLUGINS_EVENT_BURST: '5', PLUGINS_EVENT_RATE_PER_SECOND: '0.5', PLUGINS_MEMORY_BUDGET_MB: '512' })
        .plugins,
    ).toEqual({ eventRate: { burst: 5, perSecond: 0.5 }, memoryBudgetMb: 512 });
    expect(() => loadConfig({ PLUGINS_MEMORY_BUDGET_MB: '10' })).toThrow(/PLUGINS_MEMORY_BUDGET_MB/);
  });

  it('names every wrong variable with what to do', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', NATS_URL: 'http://x', SUPABASE_JWT_SECRET: 'short' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toMatch(/PORT/);
      expect(message).toMatch(/DATABASE_URL must start with postgres/);
      expect(message).toMatch(/NATS_URL must look like nats:/);
      expect(message).toMatch(/SUPABASE_JWT_SECRET must be at least 32/);
    }
  });
});
