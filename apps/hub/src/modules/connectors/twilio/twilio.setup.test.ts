import { describe, expect, it } from 'vitest';
import { publicUrlReachability } from './twilio.setup.ts';
import { advances } from './twilio.messages.ts';

describe('can Twilio reach PUBLIC_URL?', () => {
  it.each([
    [undefined, /not set/],
    ['http://localhost:8787', /localhost.*tunnel/],
    ['http://127.0.0.1:8787', /127\.0\.0\.1/],
    ['http://192.168.1.20', /192\.168\.1\.20/],
    ['http://10.0.0.5:8787', /10\.0\.0\.5/],
    ['http://172.20.1.1', /172\.20\.1\.1/],
    ['http://[::1]:8787', /::1/],
    ['http://hub.local', /hub\.local/],
    ['not a url', /not a URL/],
  ])('%s: no, and says why', (url, reason) => {
    const verdict = publicUrlReachability(url);
    expect(verdict.reachable).toBe(false);
    expect(verdict.reason).toMatch(reason);
  });

  it.each(['https://hub.example.com', 'https://203.0.113.7', 'https://172.32.0.1'])('%s: yes', (url) => {
    expect(publicUrlReachability(url)).toEqual({ reachable: true, reason: null });
  });
});

describe('message status moves forward only', () => {
  it('orders queued < sending < sent < delivered < read; failed and undelivered are terminal', () => {
    expect(advances('queued', 'sent')).toBe(true);
    expect(advances('delivered', 'sent')).toBe(false);
    expect(advances('read', 'delivered')).toBe(false);
    expect(advances('sent', 'failed')).toBe(true);
    expect(advances('failed', 'delivered')).toBe(false);
    expect(advances('undelivered', 'read')).toBe(false);
    expect(advances(undefined, 'queued')).toBe(true);
  });
});
