import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { UserError } from '../../platform/errors.ts';
import type { Vsn } from './realtime.protocol.ts';
import type { RealtimeService } from './realtime.service.ts';

export const realtimePath = '/realtime/v1/websocket';

const statusTexts: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' };

function refuse(socket: Duplex, status: 400 | 401 | 404, reason: string, message: string) {
  const body = JSON.stringify({ error: { code: reason, message } });
  socket.end(
    `HTTP/1.1 ${status} ${statusTexts[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The websocket endpoint realtime-js connects to: `?apikey=<anon key or access token>&vsn=2.0.0`.
 * The upgrade is taken from the HTTP server; a plain GET gets a 426 that says what to do.
 */
export function realtimeRoutes(service: RealtimeService) {
  return async function routes(app: FastifyInstance) {
    const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });

    const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      // A request target URL cannot parse ("//x:99999/") once threw here, outside any
      // handler, and ended the process.
      const target = request.url ?? '/';
      if (!URL.canParse(target, 'http://hub'))
        return refuse(socket, 400, 'invalid_url', 'The request URL is not valid.');
      const url = new URL(target, 'http://hub');
      // No other route takes a websocket: answered, the socket is not left open forever.
      if (url.pathname.replace(/\/+$/, '') !== realtimePath) {
        return refuse(socket, 404, 'route_not_found', `There is no websocket at ${url.pathname}: use ${realtimePath}.`);
      }
      const vsn = url.searchParams.get('vsn') ?? '1.0.0';
      if (vsn !== '1.0.0' && vsn !== '2.0.0') {
        return refuse(socket, 400, 'unsupported_vsn', 'vsn must be 1.0.0 or 2.0.0.');
      }
      const apikey = url.searchParams.get('apikey') ?? (request.headers.apikey as string | undefined);
      if (!apikey)
        return refuse(socket, 401, 'missing_apikey', 'Connect with ?apikey=<the anon key or an access token>.');
      service.identify(apikey).then(
        (identity) => wss.handleUpgrade(request, socket, head, (ws) => service.attach(ws, vsn as Vsn, identity)),
        (error: unknown) => {
          if (error instanceof UserError) return refuse(socket, 401, error.code, error.message);
          app.log.error({ err: error }, 'realtime upgrade failed');
          socket.destroy();
        },
      );
    };
    app.server.on('upgrade', onUpgrade);
    app.addHook('preClose', async () => {
      app.server.off('upgrade', onUpgrade);
      service.closeAll();
      wss.close();
    });

    app.get(
      realtimePath,
      {
        schema: {
          tags: ['realtime'],
          summary: 'Realtime websocket (Phoenix channels, as @supabase/realtime-js speaks it)',
          security: [],
        },
      },
      async (_request, reply) =>
        reply
          .status(426)
          .header('upgrade', 'websocket')
          .send({
            error: {
              code: 'upgrade_required',
              message: 'Open a websocket here: ?apikey=<anon key or access token>&vsn=2.0.0.',
            },
          }),
    );
  };
}
