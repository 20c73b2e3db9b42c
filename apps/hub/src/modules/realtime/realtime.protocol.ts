/**
 * The Phoenix channel wire format that @supabase/realtime-js speaks.
 * vsn 1.0.0: JSON objects `{join_ref, ref, topic, event, payload}`.
 * vsn 2.0.0 (realtime-js's default): JSON arrays `[join_ref, ref, topic, event, payload]`,
 * plus binary frames for broadcasts (client push: kind 3; server push: kind 4).
 */
export type Vsn = '1.0.0' | '2.0.0';

export interface PhoenixMessage {
  join_ref: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: Record<string, unknown>;
}

export class ProtocolError extends Error {
  constructor(
    message: string,
    /** What could be read of the message before it went wrong: for a reply. */
    readonly partial?: Partial<Pick<PhoenixMessage, 'topic' | 'ref' | 'join_ref'>>,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const refOf = (value: unknown): string | null =>
  value === null || value === undefined
    ? null
    : typeof value === 'string' || typeof value === 'number'
      ? String(value)
      : null;

function validate(join_ref: unknown, ref: unknown, topic: unknown, event: unknown, payload: unknown): PhoenixMessage {
  const partial = { topic: typeof topic === 'string' ? topic : undefined, ref: refOf(ref), join_ref: refOf(join_ref) };
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > 255) {
    throw new ProtocolError('Every message needs a topic: a string of 1-255 characters.', partial);
  }
  if (typeof event !== 'string' || event.length === 0 || event.length > 255) {
    throw new ProtocolError('Every message needs an event name: a string of 1-255 characters.', partial);
  }
  if (payload !== undefined && payload !== null && !isObject(payload)) {
    throw new ProtocolError('The payload must be a JSON object.', partial);
  }
  return {
    join_ref: refOf(join_ref),
    ref: refOf(ref),
    topic,
    event,
    payload: (payload as Record<string, unknown>) ?? {},
  };
}

/**
 * A client broadcast's frame, at most (Supabase's default broadcast payload limit). Under the
 * socket's 1 MiB so that the relay to other instances, a binary payload in base64 and all,
 * stays well under NATS's default max_payload (1 MiB): a broadcast reaches every instance or,
 * refused, none.
 */
export const MAX_BROADCAST_FRAME_BYTES = 256 * 1024;

export function decodeMessage(vsn: Vsn, data: Buffer, isBinary: boolean): PhoenixMessage {
  if (isBinary) {
    if (vsn !== '2.0.0') throw new ProtocolError('Binary frames need protocol vsn 2.0.0.');
    return decodeBinaryBroadcastPush(data);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch {
    throw new ProtocolError('The message is not valid JSON.');
  }
  if (vsn === '2.0.0') {
    if (!Array.isArray(parsed) || parsed.length !== 5) {
      throw new ProtocolError('With vsn 2.0.0 a message is a JSON array: [join_ref, ref, topic, event, payload].');
    }
    return validate(parsed[0], parsed[1], parsed[2], parsed[3], parsed[4]);
  }
  if (!isObject(parsed))
    throw new ProtocolError('With vsn 1.0.0 a message is a JSON object: {topic, event, payload, ref}.');
  return validate(parsed.join_ref, parsed.ref, parsed.topic, parsed.event, parsed.payload);
}

/** A client broadcast push (kind 3): header lengths, then join_ref, ref, topic, event, metadata, payload. */
function decodeBinaryBroadcastPush(data: Buffer): PhoenixMessage {
  if (data.length < 7 || data[0] !== 3)
    throw new ProtocolError('Unknown binary frame: only broadcast pushes (kind 3) are accepted.');
  const lengths = [data[1]!, data[2]!, data[3]!, data[4]!, data[5]!];
  const encoding = data[6];
  let offset = 7;
  const take = (n: number) => {
    if (offset + n > data.length) throw new ProtocolError('The binary frame is shorter than its header says.');
    const part = data.subarray(offset, offset + n).toString('utf8');
    offset += n;
    return part;
  };
  const [joinRef, ref, topic, userEvent, metadata] = lengths.map(take) as [string, string, string, string, string];
  const body = data.subarray(offset);
  let payload: unknown = body;
  if (encoding === 1) {
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      throw new ProtocolError('The broadcast payload is not valid JSON.', { topic, ref });
    }
  } else {
    payload = { binary: body.toString('base64') };
  }
  let meta: unknown;
  if (metadata) {
    try {
      meta = JSON.parse(metadata);
    } catch {
      throw new ProtocolError('The broadcast metadata is not valid JSON.', { topic, ref });
    }
  }
  return validate(joinRef || null, ref || null, topic, 'broadcast', {
    type: 'broadcast',
    event: userEvent,
    payload,
    ...(isObject(meta) ? meta : {}),
  });
}

export function encodeMessage(vsn: Vsn, message: PhoenixMessage): string {
  if (vsn === '2.0.0')
    return JSON.stringify([message.join_ref, message.ref, message.topic, message.event, message.payload]);
  return JSON.stringify({
    join_ref: message.join_ref,
    ref: message.ref,
    topic: message.topic,
    event: message.event,
    payload: message.payload,
  });
}
