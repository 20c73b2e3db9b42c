import { Readable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { z, type ZodError } from 'zod';
import { ConflictError, NotFoundError, OperatorError } from '../errors.ts';
import { mapError, registerErrorHandling } from './error-handler.ts';

describe('mapError', () => {
  it('passes user errors through with their code', () => {
    expect(mapError(new NotFoundError('entity'))).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'No entity with that id exists.' } },
    });
    expect(mapError(new ConflictError('Stale', 'version_conflict', { current: 3 })).body.error.details).toEqual({
      current: 3,
    });
  });

  it('turns input-caused PostgreSQL errors into 4xx without leaking SQL', () => {
    const pgError = Object.assign(new Error('invalid input syntax for type uuid: "x" at character 42'), {
      code: '22P02',
      severity: 'ERROR',
    });
    const mapped = mapError(pgError);
    expect(mapped.status).toBe(400);
    expect(JSON.stringify(mapped.body)).not.toMatch(/character|uuid/);
    expect(
      mapError(
        Object.assign(new Error('new row violates row-level security policy'), { code: '42501', severity: 'ERROR' }),
      ).status,
    ).toBe(403);
  });

  it('maps zod errors to 400 with paths', () => {
    const result = z.object({ a: z.number() }).safeParse({ a: 'x' });
    const mapped = mapError(result.error as ZodError);
    expect(mapped.status).toBe(400);
    expect(mapped.body.error.details).toEqual([{ path: '/a', message: expect.any(String) }]);
  });

  it('hides internals of operator errors and bugs', () => {
    expect(mapError(new OperatorError('nats at 10.0.0.1 refused')).status).toBe(503);
    expect(JSON.stringify(mapError(new OperatorError('nats at 10.0.0.1 refused')).body)).not.toMatch(/10\.0\.0\.1/);
    const bug = mapError(new TypeError('cannot read x of undefined'));
    expect(bug.status).toBe(500);
    expect(JSON.stringify(bug.body)).not.toMatch(/undefined/);
  });
});

describe('an error after a route set its answer headers', () => {
  it("goes out as the hub's JSON error, not under the file's type and length", async () => {
    const app = Fastify();
    registerErrorHandling(app);
    app.get('/thrown', async (_request, reply) => {
      reply.header('content-type', 'image/png').header('content-length', '5000').header('etag', '"x"');
      throw new NotFoundError('object');
    });
    // A download whose bytes fail before the first one is sent (a file gone, too many open files).
    app.get('/stream', async (_request, reply) => {
      const failing = new Readable({ read: () => failing.destroy(new Error('EMFILE: too many open files')) });
      return reply.header('content-type', 'text/plain').header('content-length', '5000').send(failing);
    });
    const thrown = await app.inject({ method: 'GET', url: '/thrown' });
    expect(thrown.statusCode).toBe(404);
    expect(thrown.headers['content-type']).toMatch(/^application\/json/);
    expect(thrown.headers.etag).toBeUndefined();
    expect(thrown.json().error.code).toBe('not_found');
    const stream = await app.inject({ method: 'GET', url: '/stream' });
    expect(stream.statusCode).toBe(500);
    expect(stream.headers['content-type']).toMatch(/^application\/json/);
    expect(stream.json().error.code).toBe('internal_error');
    expect(stream.body).not.toContain('EMFILE');
    await app.close();
  });
});
