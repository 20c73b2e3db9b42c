import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundClient } from '../../../platform/http/outbound/index.ts';
import { graphClient } from './msgraph.client.ts';
import { localMailboxLimits } from './msgraph.limits.ts';
import type { TokenStore } from './msgraph.tokens.ts';

/** Two real local HTTP servers: one stands where Graph is configured, the other is anywhere else. */
describe('the Graph client follows an upload URL only to Outlook or the configured Graph origin', () => {
  const hits: { server: string; authorization?: string; range?: string }[] = [];
  const servers: Server[] = [];
  const origins: string[] = [];

  beforeAll(async () => {
    for (const name of ['graph', 'elsewhere']) {
      const server = createServer((req, res) => {
        hits.push({ server: name, authorization: req.headers.authorization, range: req.headers['content-range'] });
        req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      origins.push(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
      servers.push(server);
    }
  });
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  const client = () =>
    graphClient(
      {
        outbound: createOutboundClient({ allowPrivate: () => true }),
        tokens: { accessToken: async () => 'bearer-token-secret' } as unknown as TokenStore,
        baseUrl: `${origins[0]}/v1.0`,
        limits: localMailboxLimits(),
      },
      { connectionId: 'c1', ownerId: 'o1', app: { clientId: 'x', tenant: 'common' } as never },
    );

  it('PUTs a range to the Graph origin without the bearer token', async () => {
    const answer = await client().uploadRange(`${origins[0]}/outlook/AttachmentSessions('s')?authtoken=abc`, {
      start: 0,
      bytes: Buffer.from('hello'),
      total: 10,
    });
    expect(answer.status).toBe(200);
    expect(hits.at(-1)).toEqual({ server: 'graph', authorization: undefined, range: 'bytes 0-4/10' });
  });

  it('refuses an upload URL on any other origin before sending a byte', async () => {
    const before = hits.length;
    for (const url of [`${origins[1]}/steal?authtoken=abc`, 'not a url', 'file:///etc/passwd']) {
      await expect(client().uploadRange(url, { start: 0, bytes: Buffer.from('x'), total: 1 })).rejects.toThrow(
        /upload URL/,
      );
    }
    expect(hits.length).toBe(before);
  });
});
