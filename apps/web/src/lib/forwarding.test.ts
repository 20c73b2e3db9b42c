import { describe, expect, it } from 'vitest';
import { forwardedClient, forwardingHeaders, parseTrustedHops } from './forwarding';

describe('the browser address the web server forwards to the hub', () => {
  it('believes nothing without a trusted proxy in front (a browser can write X-Forwarded-For itself)', () => {
    expect(forwardedClient('203.0.113.9', 0)).toBeUndefined();
    expect(forwardingHeaders(new Headers({ 'x-forwarded-for': '203.0.113.9' }), 0)).toEqual({});
  });

  it('takes the address the trusted proxies appended, never one the client put in front of it', () => {
    // A browser sent "X-Forwarded-For: 10.0.0.1"; the one proxy in front appended where it came from.
    expect(forwardedClient('10.0.0.1, 203.0.113.9', 1)).toBe('203.0.113.9');
    // Two proxies: a CDN appended the browser, the local proxy appended the CDN.
    expect(forwardedClient('10.0.0.1, 203.0.113.9, 198.51.100.2', 2)).toBe('203.0.113.9');
    // Fewer entries than hops: the furthest there is.
    expect(forwardedClient('203.0.113.9', 3)).toBe('203.0.113.9');
  });

  it('reads IPv6 and addresses with ports, and forwards nothing for anything that is not an address', () => {
    expect(forwardedClient('2001:db8::7', 1)).toBe('2001:db8::7');
    expect(forwardedClient('[2001:db8::7]:443', 1)).toBe('2001:db8::7');
    expect(forwardedClient('203.0.113.9:51234', 1)).toBe('203.0.113.9');
    for (const hostile of ['unknown', 'evil.example', '203.0.113.9\r\nx: y', '999.1.1.1', '', ' , ', '_hidden'])
      expect(forwardedClient(hostile, 1)).toBeUndefined();
    expect(forwardedClient(null, 1)).toBeUndefined();
  });

  it("forwards the browser's User-Agent, cut to a sane length", () => {
    const headers = forwardingHeaders(
      new Headers({ 'x-forwarded-for': '203.0.113.9', 'user-agent': `Mozilla/5.0 ${'x'.repeat(2000)}` }),
      1,
    );
    expect(headers['x-forwarded-for']).toBe('203.0.113.9');
    expect(headers['user-agent']).toHaveLength(512);
  });

  it('reads WEB_TRUST_PROXY as a hop count and says what it wants otherwise', () => {
    for (const off of [undefined, '', 'false', '0', ' 0 ']) expect(parseTrustedHops(off)).toBe(0);
    expect(parseTrustedHops('1')).toBe(1);
    expect(parseTrustedHops('2')).toBe(2);
    for (const bad of ['true', '-1', '1.5', '11', 'loopback', '10.0.0.0/8'])
      expect(() => parseTrustedHops(bad)).toThrow(/WEB_TRUST_PROXY must be the number of proxies/);
  });
});
