import WebSocket from 'ws';

/** A message the hub's realtime endpoint sends (Phoenix vsn 1.0.0: JSON objects). */
export interface PhoenixMessage {
  topic: string;
  event: string;
  ref: string | null;
  payload: Record<string, unknown>;
}

/**
 * A raw Phoenix socket (vsn 1.0.0) joined to `topic` on a hub's /realtime/v1/websocket, for
 * benchmarks that must not measure a client library. `onMessage` sees every message after the
 * join's reply; the join's refusal rejects. The socket is added to `sockets` (to close them all).
 */
export async function joinRawChannel(options: {
  port: number;
  apikey: string;
  topic: string;
  joinPayload: Record<string, unknown>;
  sockets: WebSocket[];
  onMessage?: (message: PhoenixMessage) => void;
}): Promise<WebSocket> {
  const { port, apikey, topic } = options;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/realtime/v1/websocket?apikey=${apikey}&vsn=1.0.0`);
  options.sockets.push(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const joined = new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as PhoenixMessage;
      if (message.event === 'phx_reply' && message.ref === 'join')
        return message.payload.status === 'ok' ? resolve() : reject(new Error(JSON.stringify(message.payload)));
      options.onMessage?.(message);
    });
  });
  ws.send(JSON.stringify({ topic, event: 'phx_join', ref: 'join', join_ref: 'join', payload: options.joinPayload }));
  await joined;
  return ws;
}
