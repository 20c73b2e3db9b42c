import type { FastifyReply, FastifyRequest } from 'fastify';
import { UserError } from '../../platform/errors.ts';

/** The client asked for Server-Sent Events (`Accept: text/event-stream`) rather than one JSON answer. */
export const wantsEventStream = (request: FastifyRequest) =>
  (request.headers.accept ?? '').toLowerCase().includes('text/event-stream');

/**
 * A Server-Sent Events answer whose headers go out with its first event (or `start()`), so an
 * error thrown before then is still an ordinary JSON answer (a 404 for another user's person).
 * `signal` aborts when the client goes away before the end: the model request stops with it.
 */
export function eventStream(reply: FastifyReply) {
  const raw = reply.raw;
  const controller = new AbortController();
  raw.on('close', () => {
    if (!raw.writableFinished) controller.abort();
  });
  let started = false;

  function start() {
    if (started) return;
    started = true;
    reply.hijack();
    // Headers set by hooks (CORS) survive the hijack.
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
  }

  return {
    signal: controller.signal,
    start,
    get started() {
      return started;
    },
    send(event: string, data: unknown) {
      start();
      if (!raw.writableEnded && !raw.destroyed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      if (started) raw.end();
    },
  };
}

/** A model request that ends when the client goes away (the provider's HTTP request is closed too). */
export function abortOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/**
 * `run`'s result as the JSON answer; or, when the client asks for Server-Sent Events, what
 * `run` sends while the model writes (`delta` {text}, …) and then one `resultEvent` with the
 * result, or `error` {code, message}. Errors before the first event stay JSON answers.
 */
export async function jsonOrEventStream<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  resultEvent: string,
  run: (signal: AbortSignal, send?: (event: string, data: unknown) => void) => Promise<T>,
): Promise<T | undefined> {
  if (!wantsEventStream(request)) return run(abortOnClose(reply));
  const stream = eventStream(reply);
  try {
    stream.send(resultEvent, await run(stream.signal, stream.send));
  } catch (error) {
    if (!stream.started) throw error;
    if (!(error instanceof UserError)) request.log.error({ err: error }, `AI ${resultEvent} failed`);
    stream.send('error', streamErrorOf(error));
  }
  stream.end();
  return undefined;
}

/** The `error` event for a failure after the stream started: a user's error as it is, anything else said plainly. */
export function streamErrorOf(error: unknown): { code: string; message: string } {
  if (error instanceof UserError) return { code: error.code, message: error.message };
  return { code: 'internal', message: 'Something went wrong on the hub; the answer stopped.' };
}
