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

  it("reads the refresh token reuse interval: GoTrue's 10 s by default, 0 for none, at most 5 minutes", () => {
    expect(loadConfig({}).auth.refreshTokenReuseSeconds).toBe(10);
    expect(loadConfig({ AUTH_REFRESH_TOKEN_REUSE_INTERVAL_SECONDS: '0' }).auth.refreshTokenReuseSeconds).toBe(0);
    for (const bad of ['-1', '301', '2.5', 'soon'])
      expect(() => loadConfig({ AUTH_REFRESH_TOKEN_REUSE_INTERVAL_SECONDS: bad }), bad).toThrow(
        /AUTH_REFRESH_TOKEN_REUSE_INTERVAL_SECONDS/,
      );
  });

  it('reads TRUST_PROXY: off by default, true, a hop count or proxy addresses, and refuses anything else', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: ' 10.0.0.5, 10.0.0.0/8,fd00::/8 , loopback' }).trustProxy).toEqual([
      '10.0.0.5',
      '10.0.0.0/8',
      'fd00::/8',
      'loopback',
    ]);
    for (const bad of ['yes', '10.0.0.0/33', '10.0.0.0/8/1', 'proxy.example.org', '::1/129', ','])
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY must be false, true, a hop count/);
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

  it("reads the base URL variables the providers declare, and trusts only the ones set (and local services' defaults)", () => {
    const unset = loadConfig({});
    expect(unset.providerUrls).toEqual({});
    expect(unset.trustedOrigins).toEqual(['http://127.0.0.1:11434']);
    const set = loadConfig({
      TWILIO_API_URL: 'http://127.0.0.1:8080/',
      MSGRAPH_API_URL: 'https://graph.example.test/',
      MSGRAPH_LOGIN_URL: '',
      OPENROUTER_URL: 'https://proxy.example.test/openrouter',
      OLLAMA_URL: 'http://gpu-box:11434',
    });
    expect(set.providerUrls).toEqual({
      TWILIO_API_URL: 'http://127.0.0.1:8080',
      MSGRAPH_API_URL: 'https://graph.example.test',
      OPENROUTER_URL: 'https://proxy.example.test/openrouter',
      OLLAMA_URL: 'http://gpu-box:11434',
    });
    expect([...set.trustedOrigins].sort()).toEqual(
      [
        'http://127.0.0.1:8080',
        'https://graph.example.test',
        'https://proxy.example.test',
        'http://gpu-box:11434',
      ].sort(),
    );
  });

  it('refuses base URLs that are not http(s) or carry credentials, a query or a fragment', () => {
    for (const [name, value, message] of [
      ['TWILIO_API_URL', 'api.twilio.com', /TWILIO_API_URL must be a full URL/],
      ['MSGRAPH_API_URL', 'ftp://graph.example.test', /MSGRAPH_API_URL must start with http/],
      ['OPENROUTER_URL', 'https://user:key@openrouter.ai', /OPENROUTER_URL must not carry credentials/],
      ['OLLAMA_URL', 'http://127.0.0.1:11434/?token=x', /OLLAMA_URL must not carry/],
      ['MSGRAPH_LOGIN_URL', 'https://login.example.test/#frag', /MSGRAPH_LOGIN_URL must not carry/],
    ] as const)
      expect(() => loadConfig({ [name]: value }), name).toThrow(message);
  });
});
