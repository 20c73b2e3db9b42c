import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../../../test/hub.ts';

/**
 * Who the client is behind a load balancer (TRUST_PROXY, Fastify's trustProxy): the per-IP
 * limits key on it. Off, X-Forwarded-For is ignored, since anyone can send it; on, the trusted
 * hop's X-Forwarded-For names the client, and a sender the hub does not trust cannot.
 */
const tokenPerMinute = 3;

const signIn = (hub: TestHub, from: string, forwardedFor?: string) =>
  hub.app.inject({
    method: 'POST',
    url: '/auth/v1/token?grant_type=password',
    remoteAddress: from,
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    payload: { email: `nobody-${Math.random().toString(36).slice(2)}@example.org`, password: 'not the password' },
  });

/** The answers to two rounds of sign-ins, one from each of `clients` per round, through the proxy at `proxy`. */
async function refusedAfter(hub: TestHub, proxy: string, clients: string[]) {
  const statuses: number[] = [];
  for (let round = 0; round < 2; round++)
    for (const client of clients) statuses.push((await signIn(hub, proxy, client)).statusCode);
  return statuses;
}

describe('TRUST_PROXY', () => {
  let off: TestHub;
  let on: TestHub;

  beforeAll(async () => {
    const limits = { AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: String(tokenPerMinute) };
    off = await createTestHub('pglite', limits);
    on = await createTestHub('pglite', { ...limits, TRUST_PROXY: '10.0.0.0/8' });
  }, 120_000);
  afterAll(async () => {
    await off?.close();
    await on?.close();
  });

  it('off (the default): every client behind one proxy is one client, whatever X-Forwarded-For says', async () => {
    const statuses = await refusedAfter(off, '10.1.1.1', ['198.51.100.1', '198.51.100.2']);
    expect(statuses).toEqual([400, 400, 400, 429]);
  });

  it("on: the trusted proxy's X-Forwarded-For names each client, counted apart", async () => {
    const statuses = await refusedAfter(on, '10.2.2.2', ['198.51.100.1', '198.51.100.2']);
    expect(statuses).toEqual([400, 400, 400, 400]);
  });

  it('on: a sender outside the trusted range cannot spoof its way out of its limit', async () => {
    const spoofs = ['198.51.100.11', '198.51.100.12', '198.51.100.13', '198.51.100.14'];
    const statuses: number[] = [];
    for (const spoof of spoofs) statuses.push((await signIn(on, '192.0.2.50', spoof)).statusCode);
    expect(statuses).toEqual([400, 400, 400, 429]);
  });
});
