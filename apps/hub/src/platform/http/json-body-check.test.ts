import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerErrorHandling } from './error-handler.ts';
import { findUnstorableText, maxJsonDepth, nestsDeeperThan, registerJsonBodyCheck } from './json-body-check.ts';

describe('findUnstorableText', () => {
  it('finds a NUL or an unpaired surrogate in any string or key, and names where', () => {
    expect(findUnstorableText({ a: ['ok', 'x\u0000'] })).toEqual({ at: '/a/1', problem: 'nul' });
    expect(findUnstorableText({ ['k\u0000']: 1 })).toEqual({ at: '/k\\u0000', problem: 'nul' });
    expect(findUnstorableText({ a: { b: 'x\ud800' } })).toEqual({ at: '/a/b', problem: 'lone_surrogate' });
    expect(findUnstorableText('\udc00')).toEqual({ at: '/', problem: 'lone_surrogate' });
  });

  it('passes valid text, surrogate pairs included, and deep values without recursing', () => {
    expect(findUnstorableText({ a: ['😀', 'ünï', 1, null, true], b: { c: '' } })).toBeNull();
    let deep: unknown = 'ok';
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(findUnstorableText(deep)).toBeNull();
  });
});

describe('nestsDeeperThan', () => {
  it('counts objects and arrays, not scalars, without recursing', () => {
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
    expect(nestsDeeperThan('x', 0)).toBe(false);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(nestsDeeperThan(deep, maxJsonDepth)).toBe(true);
  });
});

describe('the JSON body check', () => {
  async function app() {
    const instance = Fastify();
    registerErrorHandling(instance);
    registerJsonBodyCheck(instance);
    let handled = 0;
    instance.post('/echo', async (request) => {
      handled++;
      return { body: request.body };
    });
    instance.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    return { instance, handled: () => handled };
  }

  it('refuses a JSON body with a NUL or lone surrogate with a 400 that names the field, before the handler', async () => {
    const { instance, handled } = await app();
    for (const [payload, field] of [
      ['{"name":"a\\u0000b"}', '/name'],
      ['{"data":{"x":["\\ud800"]}}', '/data/x/0'],
    ]) {
      const response = await instance.inject({
        method: 'POST',
        url: '/echo',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        payload,
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
      expect(response.json().error.message).toContain(field);
    }
    expect(handled()).toBe(0);
  });

  it('refuses a JSON body nested deeper than the limit with a 400, before the handler', async () => {
    const { instance, handled } = await app();
    const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    const deep = await instance.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: nested(5000),
    });
    expect(deep.statusCode, deep.body).toBe(400);
    expect(deep.json().error.message).toMatch(/nests deeper than 64/);
    expect(handled()).toBe(0);
    const fits = await instance.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: nested(maxJsonDepth),
    });
    expect(fits.statusCode, fits.body).toBe(200);
  });

  it('leaves valid JSON and bodies of other types to the route', async () => {
    const { instance, handled } = await app();
    const json = await instance.inject({ method: 'POST', url: '/echo', payload: { name: 'ünï 😀' } });
    expect(json.statusCode).toBe(200);
    const text = await instance.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'text/plain' },
      payload: 'a\u0000b',
    });
    expect(text.statusCode).toBe(200);
    expect(handled()).toBe(2);
  });
});
