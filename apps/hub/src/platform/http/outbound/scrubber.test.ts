import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../logger.ts';
import { createOutboundClient } from './client.ts';
import { createScrubber } from './scrubber.ts';
import { instantClock } from './test/clocks.ts';
import { startRemote, type Remote } from './test/remote.ts';

const secret = 'sk-live-Zq8vX2mN4pR7tY1w';
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('the scrubber', () => {
  it('removes a registered secret in every encoding it travels in', () => {
    const scrubber = createScrubber();
    scrubber.add(secret, 'short', undefined);
    const text = [
      secret,
      b64(secret),
      b64(secret).replace(/=+$/, ''),
      Buffer.from(secret).toString('base64url'),
      encodeURIComponent(`${secret}/+`),
      JSON.stringify({ quoted: `a"${secret}` }),
    ].join(' | ');
    scrubber.add(`${secret}/+`, `a"${secret}`);
    const out = scrubber.scrub(text);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(b64(secret).slice(0, 20));
    // Values too short to be credentials are left alone (they would redact ordinary words).
    expect(scrubber.scrub('a short story')).toBe('a short story');
  });

  it('removes secret shapes whatever their value: auth schemes, userinfo, key-like query parameters', () => {
    const scrubber = createScrubber();
    const out = scrubber.scrub(
      [
        'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig',
        `Basic ${b64('ACxxxxxxxx:tokentoken')}`,
        'https://alice:pa55word@example.com/path',
        'https://api.example.com/v1?api_key=k-123456&page=2&access_token=t-abcdef&code=oauth-code-1&sig=sas-sig&error_code=20003',
      ].join('\n'),
    );
    for (const leaked of [
      'eyJhbGciOiJIUzI1NiJ9',
      b64('ACxxxxxxxx:tokentoken'),
      'pa55word',
      'k-123456',
      't-abcdef',
      'oauth-code-1',
      'sas-sig',
    ])
      expect(out).not.toContain(leaked);
    expect(out).toContain('page=2');
    expect(out).toContain('error_code=20003');
    expect(out).toContain('https://[redacted]@example.com/path');
  });

  it('redacts credential headers whole and scrubs the others', () => {
    const scrubber = createScrubber();
    scrubber.add(secret);
    expect(
      scrubber.headers({
        Authorization: 'Bearer abc',
        cookie: 'session=1',
        'x-api-key': 'k',
        'x-twilio-signature': 'sig',
        'x-echo': `got ${secret}`,
        accept: 'application/json',
        'set-cookie': ['a=1', 'b=2'],
      }),
    ).toEqual({
      Authorization: '[redacted]',
      cookie: '[redacted]',
      'x-api-key': '[redacted]',
      'x-twilio-signature': '[redacted]',
      'x-echo': 'got [redacted]',
      accept: 'application/json',
      'set-cookie': '[redacted]',
    });
  });

  it('scrubs error messages and stacks in place, and values() leaves non-secret shapes intact', () => {
    const scrubber = createScrubber();
    const error = scrubber.error(new Error(`failed with ${secret}`), [secret]);
    expect(error.message).toBe('failed with [redacted]');
    expect(error.stack).not.toContain(secret);
    scrubber.add(secret);
    expect(scrubber.values(`https://s3.example/obj?X-Amz-Signature=abc123 ${secret}`)).toBe(
      'https://s3.example/obj?X-Amz-Signature=abc123 [redacted]',
    );
  });
});

describe('no secret reaches the logs or errors of the outbound client', () => {
  let remote: Remote;
  beforeAll(async () => {
    remote = await startRemote((req, res) => {
      if (req.url?.startsWith('/busy')) return res.writeHead(503).end();
      res.end(`echo ${req.headers.authorization ?? ''}`);
    });
  });
  afterAll(async () => {
    await remote?.close();
  });

  it('captures pino output at trace level: secrets in headers, URLs, bodies, errors and log calls are scrubbed', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const scrubber = createScrubber();
    const logger = createLogger('trace', sink, scrubber);
    const client = createOutboundClient({
      logger,
      scrubber,
      allowPrivate: ({ port }) => port === remote.port,
      clock: instantClock(),
    });
    const basic = `Basic ${b64(`ACsid:${secret}`)}`;
    // Retries log warnings; the final response logs at debug with the URL.
    const busy = await client.request({
      url: `${remote.url}/busy?api_key=${secret}&page=1`,
      headers: { authorization: basic },
      secrets: [secret],
    });
    expect(busy.status).toBe(503);
    // The response is the caller's data: it holds what the remote said, unscrubbed.
    const echoed = await client.request({ url: `${remote.url}/echo`, headers: { authorization: `Bearer ${secret}` } });
    expect(echoed.text()).toBe(`echo Bearer ${secret}`);
    // An error raised by a per-hop check that quotes the secret comes out scrubbed.
    const error = await client
      .request({
        url: `${remote.url}/echo`,
        secrets: [secret],
        beforeHop: async () => {
          throw new Error(`cannot use ${secret}`);
        },
      })
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(error?.message).toBe('cannot use [redacted]');
    // Whatever the hub logs later, anywhere in the line, is scrubbed too: the client registered the secret.
    logger.info({ nested: { deeper: { value: secret } }, encoded: b64(secret) }, `calling with ${secret}`);
    logger.error({ err: new Error(`GET https://user:${secret}@api.example.com/?token=${secret}`) }, 'failed');
    const output = lines.join('');
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const leaked of [secret, b64(secret), b64(`ACsid:${secret}`), encodeURIComponent(secret)])
      expect(output).not.toContain(leaked);
    expect(output).toContain('[redacted]');
    expect(output).toContain('page=1');
  });
});
