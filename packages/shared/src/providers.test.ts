import { describe, expect, it } from 'vitest';
import { acmeWeather } from '../test/acme-weather.ts';
import {
  allowedHostsOf,
  createProviderRegistry,
  generic,
  hintsOf,
  providerRegistry,
  publicFieldsOf,
  twilio,
} from './providers.ts';

describe('provider registry', () => {
  it('holds the built-in providers in form order, each capability once', () => {
    expect(providerRegistry.ids()).toEqual(['twilio', 'openrouter', 'microsoft', 'ollama', 'generic']);
    expect(providerRegistry.capabilities().map((c) => c.name)).toEqual([
      'sms',
      'voice',
      'video',
      'ai.cloud',
      'email',
      'calendar',
      'contacts',
      'ai.local',
    ]);
    expect(providerRegistry.providersOf('sms').map((p) => p.id)).toEqual(['twilio']);
  });

  it('adds a provider through register, and refuses a duplicate or a malformed id', () => {
    const registry = createProviderRegistry([twilio]);
    registry.register(acmeWeather);
    expect(registry.ids()).toEqual(['twilio', 'acme-weather']);
    expect(registry.providersOf('weather')).toEqual([acmeWeather]);
    expect(() => registry.register(acmeWeather)).toThrow(/registered twice/);
    expect(() => registry.register({ ...acmeWeather, id: 'Acme Weather' })).toThrow(/must match/);
    expect(() => registry.require('nope')).toThrow(/No provider "nope"/);
  });

  it('masks public fields in hints and names a generic credential’s headers and hosts', () => {
    expect(publicFieldsOf(acmeWeather)).toEqual(['accountId']);
    expect(hintsOf(acmeWeather, { accountId: 'acct_12345678', apiKey: 'secret-value-123' })).toEqual({
      accountId: 'ac…5678',
    });
    const secret = { headers: { 'X-Api-Key': 'k' }, values: {}, allowedHosts: ['a.example.com', 'b.example.com'] };
    expect(hintsOf(generic, secret)).toEqual({
      headers: 'X-Api-Key',
      values: '',
      allowedHosts: 'a.example.com, b.example.com',
    });
    expect(allowedHostsOf(generic, secret)).toEqual(['a.example.com', 'b.example.com']);
    expect(allowedHostsOf(acmeWeather, {})).toEqual(['api.acme-weather.example']);
  });
});
