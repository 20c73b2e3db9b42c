import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPrivateAddress } from './address.ts';
import { createOutboundClient, type OutboundClient } from './client.ts';
import { OutboundRefused } from './errors.ts';
import { startRemote, type Remote } from './test/remote.ts';

/**
 * The SSRF guard (moved here from the plugin runtime's net-guard): no connection to a
 * private address unless the composition root allowed that target, checked on every hop
 * and pinned, so a DNS answer that changes cannot redirect the connection.
 */
describe('private addresses', () => {
  it('classifies v4, v6 and v4-in-v6 forms, and anything unparseable as private', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fc00::1',
      'fd00:ec2::254',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '64:ff9b::a00:1',
      'not-an-address',
    ])
      expect(isPrivateAddress(address), address).toBe(true);
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])
      expect(isPrivateAddress(address), address).toBe(false);
  });
});

describe('outbound SSRF guard (real sockets on 127.0.0.1)', () => {
  let victim: Remote;
  let remote: Remote;
  let other: Remote;
  let client: OutboundClient;
  const lookups: string[] = [];
  let rebindAnswers: string[] = [];
  const dns: Record<string, string[]> = {
    'remote.test': ['127.0.0.1'],
    'internal.test': ['10.0.0.5'],
    'mixed.test': ['93.184.216.34', '127.0.0.1'],
    'metadata.test': ['169.254.169.254'],
  };

  beforeAll(async () => {
    victim = await startRemote((_req, res) => res.end('you reached the victim'));
    other = await startRemote((_req, res) => res.end('other'));
    remote = await startRemote((req, res) => {
      const to: Record<string, string> = {
        '/to-loopback': `http://127.0.0.1:${victim.port}/`,
        '/to-victim-name': `http://remote.test:${victim.port}/`,
        '/to-internal': 'http://internal.test/',
        '/to-metadata': 'http://metadata.test/latest/meta-data',
        '/to-same-origin': `/echo`,
        '/to-other-origin': `http://127.0.0.1:${other.port}/echo`,
        '/loop': '/loop',
      };
      if (to[req.url ?? '']) return res.writeHead(302, { location: to[req.url ?? ''] }).end();
      res.end('remote');
    });
    client = createOutboundClient({
      lookup: async (host) => {
        lookups.push(host);
        const answers = host === 'rebind.test' ? [rebindAnswers.shift() ?? '10.0.0.5'] : dns[host];
        if (!answers) throw new Error('ENOTFOUND');
        return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      },
      // Stand-ins only: the remote's and the other server's ports on loopback; the victim's stays private.
      allowPrivate: ({ address, port }) => address === '127.0.0.1' && (port === remote.port || port === other.port),
    });
  });
  afterAll(async () => {
    await Promise.all([victim?.close(), remote?.close(), other?.close()]);
  });

  const refusal = (url: string) =>
    client.request({ url }).then(
      () => 'reached',
      (error: unknown) => (error instanceof OutboundRefused ? error.reason : String(error)),
    );

  it('refuses literal private and loopback addresses in every spelling, and names that resolve to one', async () => {
    const v = victim.port;
    for (const url of [
      `http://127.0.0.1:${v}/`,
      `http://[::1]:${v}/`,
      `http://2130706433:${v}/`,
      `http://0x7f.1:${v}/`,
      `http://[::ffff:127.0.0.1]:${v}/`,
      `http://169.254.169.254/latest/meta-data`,
      `http://remote.test:${v}/`,
      'http://internal.test/',
      'http://metadata.test/',
    ])
      expect(await refusal(url), url).toBe('private_address');
    // One private answer among public ones is enough: the connection could go to any of them.
    expect(await refusal('http://mixed.test/')).toBe('private_address');
    expect(victim.seen).toEqual([]);
  });

  it('lets an allowed stand-in through, by address and port only', async () => {
    const response = await client.request({ url: `http://remote.test:${remote.port}/hello` });
    expect(response.status).toBe(200);
    expect(response.text()).toBe('remote');
    expect(remote.seen.at(-1)).toMatchObject({ url: '/hello', headers: { host: `remote.test:${remote.port}` } });
  });

  it('re-checks every redirect hop: to loopback, to a name resolving private, to metadata', async () => {
    for (const path of ['/to-loopback', '/to-victim-name', '/to-internal', '/to-metadata'])
      expect(await refusal(`${remote.url}${path}`), path).toBe('private_address');
    expect(victim.seen).toEqual([]);
    expect(await refusal(`${remote.url}/loop`)).toBe('too_many_redirects');
  });

  it('keeps a credential on same-origin redirects and drops it on a redirect to another origin', async () => {
    const headers = { authorization: 'Bearer same-origin-only-token' };
    await client.request({ url: `${remote.url}/to-same-origin`, headers });
    expect(remote.seen.at(-1)).toMatchObject({ url: '/echo', headers: { authorization: headers.authorization } });
    await client.request({ url: `${remote.url}/to-other-origin`, headers });
    expect(other.seen.at(-1)?.url).toBe('/echo');
    expect(other.seen.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('pins the checked address: a name whose answer changes (rebinding) is resolved once per attempt and refused once private', async () => {
    rebindAnswers = ['127.0.0.1', '10.0.0.5'];
    lookups.length = 0;
    const first = await client.request({ url: `http://rebind.test:${remote.port}/first` });
    expect(first.status).toBe(200);
    // Exactly one resolution: the socket connected to that answer, not to a second lookup.
    expect(lookups).toEqual(['rebind.test']);
    expect(await refusal(`http://rebind.test:${remote.port}/second`)).toBe('private_address');
    expect(remote.seen.some((s) => s.url === '/second')).toBe(false);
  });

  it('allows only http(s) and refuses credentials embedded in URLs without echoing them', async () => {
    for (const url of [
      'ftp://remote.test/',
      'file:///etc/passwd',
      'data:text/plain,hi',
      'gopher://remote.test/',
      'not a url',
    ])
      expect(await refusal(url), url).toBe('bad_url');
    const error = await client
      .request({ url: `http://user:hunter2-secret@remote.test:${remote.port}/` })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OutboundRefused);
    expect(error.reason).toBe('bad_url');
    expect(String(error.message)).not.toContain('hunter2-secret');
  });

  it('lets a per-hop check refuse or fill in a request, and runs it again on every redirect', async () => {
    const hops: string[] = [];
    const response = await client.request({
      url: `${remote.url}/to-same-origin`,
      beforeHop: async (hop, request) => {
        hops.push(hop.pathname);
        return { ...request, headers: { ...request.headers, 'x-filled-in': 'yes' } };
      },
    });
    expect(response.status).toBe(200);
    expect(hops).toEqual(['/to-same-origin', '/echo']);
    expect(remote.seen.at(-1)?.headers['x-filled-in']).toBe('yes');
    const refused = await client
      .request({
        url: `${remote.url}/to-other-origin`,
        beforeHop: async (hop, request) => {
          if (hop.port === String(other.port))
            throw new OutboundRefused('host_not_allowed', 'not that one', hop.hostname);
          return request;
        },
      })
      .catch((e) => e);
    expect(refused).toMatchObject({ reason: 'host_not_allowed' });
  });
});
