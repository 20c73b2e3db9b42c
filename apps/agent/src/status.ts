import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The local status page, on 127.0.0.1 only: `GET /status` as JSON, `GET /` as a small page.
 * It shows what the agent sees and how uploads go; never the token.
 */
export function startStatusServer(port: number, snapshot: () => Record<string, unknown>): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET') {
      response.writeHead(405).end();
      return;
    }
    const body = snapshot();
    if (request.url === '/status') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (request.url === '/') {
      const rows = Object.entries(body)
        .map(([key, value]) => `<tr><th>${escape(key)}</th><td>${escape(JSON.stringify(value))}</td></tr>`)
        .join('');
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><html lang="en"><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Made Open agent</title><h1>Made Open agent</h1><table>${rows}</table></html>`,
        );
      return;
    }
    response.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

export const serverPort = (server: Server) => (server.address() as AddressInfo).port;

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
