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

  it('reads the base URL variables the providers declare, and names a wrong one', () => {
    expect(loadConfig({}).providerUrls).toEqual({});
    expect(
      loadConfig({ TWILIO_API_URL: 'http://127.0.0.1:8080/', MSGRAPH_LOGIN_URL: '', OPENROUTER_URL: undefined })
        .providerUrls,
    ).toEqual({ TWILIO_API_URL: 'http://127.0.0.1:8080' });
    expect(() => loadConfig({ MSGRAPH_API_URL: 'graph.local' })).toThrow(
      /MSGRAPH_API_URL: must be a full URL, for example https:\/\/graph.microsoft.com/,
    );
  });
});
