import type { Page, WebSocketRoute } from '@playwright/test';
import { account, hex32 } from './twilio-stand-in';

/**
 * Twilio's signalling server (wss://…twilio.com/signal, unreachable from here), played for one
 * page through Playwright's routeWebSocket in the SDK's own protocol (PStream): it answers
 * `listen` and `register`, rings the browser with an `invite`, answers a call the browser
 * places, and keeps what the browser sends (`answer`, `reject`, `hangup`, its own `invite`).
 * The real @twilio/voice-sdk runs in the page.
 */

/** One websocket the page opened to "Twilio": one Device. */
export interface Line {
  ws: WebSocketRoute;
  /** The Twilio account of the token it listens with (the JWT's `sub`). */
  account: string | null;
  /** Registered for incoming calls (its last `register` asked for audio) and still open. */
  registered: boolean;
}

export interface Signal {
  /** Every message the browser sent, in order (heartbeats left out), and on which line. */
  received: { type: string; payload: Record<string, unknown>; line: Line }[];
  lines: Line[];
  /** The lines registered now. */
  registered(): Line[];
  /** Rings the browser: an incoming call from `from`, with a real SDP offer (on `line`: by default the last registered). */
  invite(from: string, line?: Line): Promise<string>;
  send(type: string, payload: Record<string, unknown>, line?: Line): void;
  /** Twilio takes the call the browser placed (its `invite`): it rings, then the callee picks up (a real SDP answer). */
  pickUp(invite: Signal['received'][number]): Promise<string>;
}

export const claims = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** Plays Twilio's signalling server for one page (the SDK's PStream protocol). */
export async function fakeTwilio(page: Page, identity: () => string): Promise<Signal> {
  const signal: Signal = {
    received: [],
    lines: [],
    registered: () => signal.lines.filter((line) => line.registered),
    async invite(from, line) {
      const callsid = `CA${hex32()}`;
      const to = line ?? signal.registered().at(-1) ?? signal.lines.at(-1)!;
      // An offer the SDK can answer: made by the page's own WebRTC, as Twilio's media server would.
      const sdp = await page.evaluate(async () => {
        const peer = new RTCPeerConnection();
        peer.addTransceiver('audio');
        const offer = await peer.createOffer();
        peer.close();
        return offer.sdp!;
      });
      this.send(
        'invite',
        {
          callsid,
          sdp,
          parameters: {
            CallSid: callsid,
            AccountSid: to.account ?? account.accountSid,
            From: from,
            To: `client:${identity()}`,
          },
        },
        to,
      );
      return callsid;
    },
    async pickUp(invite) {
      const callsid = `CA${hex32()}`;
      const sdp = await page.evaluate(async (offer) => {
        const peer = new RTCPeerConnection();
        await peer.setRemoteDescription({ type: 'offer', sdp: offer });
        const answer = await peer.createAnswer();
        peer.close();
        return answer.sdp!;
      }, String(invite.payload.sdp));
      this.send('ringing', { callsid }, invite.line);
      this.send('answer', { callsid, sdp }, invite.line);
      return callsid;
    },
    send(type, payload, line) {
      (line ?? signal.lines.at(-1)!).ws.send(JSON.stringify({ type, version: '1.6', payload }));
    },
  };
  await page.routeWebSocket(/twilio\.com\/signal/, (ws) => {
    const line: Line = { ws, account: null, registered: false };
    signal.lines.push(line);
    // Twilio's heartbeat: without one in 15 s the SDK reconnects.
    const heartbeat = setInterval(() => ws.send('\n'), 5000);
    ws.onClose(() => {
      clearInterval(heartbeat);
      line.registered = false;
    });
    ws.onMessage((raw) => {
      if (typeof raw !== 'string' || raw.trim() === '') return;
      const message = JSON.parse(raw) as { type: string; payload: Record<string, unknown> };
      signal.received.push({ type: message.type, payload: message.payload, line });
      if (message.type === 'listen') {
        line.account = String(claims(String(message.payload.token)).sub);
        ws.send(JSON.stringify({ type: 'connected', payload: { region: 'gll' } }));
      }
      if (message.type === 'register') {
        line.registered = (message.payload.media as { audio?: boolean } | undefined)?.audio === true;
        // Twilio confirms a registration with `ready`, an unregistration with `offline`.
        ws.send(JSON.stringify({ type: line.registered ? 'ready' : 'offline', payload: {} }));
      }
    });
  });
  return signal;
}

export const sent = (signal: Signal, type: string) => signal.received.filter((m) => m.type === type);
