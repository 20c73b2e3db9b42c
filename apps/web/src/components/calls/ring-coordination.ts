import type { ActiveCall, Caller, IncomingCall, Registration } from './voice-context';

/**
 * What the tabs of one browser say to each other about calls (pure; the transport is
 * ring-leadership.ts). One tab, the leader, holds the Web Lock `RING_LOCK` and with it the
 * browser's Twilio registration; it shares what the others must show on BroadcastChannel
 * `RING_CHANNEL` as a whole snapshot (`state`) after every change, so a tab that missed a message
 * or just opened is right again with the next one. The others (followers) only ask: `hello`
 * (send me the state), `visible` (someone looks at the app: read the accounts again), and the
 * person's presses on a call that is the leader's: answer, decline, hang up, mute, tones, each
 * naming its CallSid so a press meant for one call never acts on the next.
 */

export const RING_LOCK = 'made-open:calls:ring';
export const RING_CHANNEL = 'made-open:calls';
/** Messages of another version (a tab not reloaded since the app was updated) are ignored. */
const VERSION = 1;

/** The call ringing in the leader, as followers show it. */
export interface SharedRinging {
  callSid: string;
  caller: Caller;
  problem: string | null;
}

/** The incoming call the leader is on, as followers show it (with relayed controls). */
export type SharedCall = Omit<ActiveCall, 'elsewhere' | 'callSid'> & { callSid: string };

/** The leader's snapshot. */
export interface LeaderState {
  registration: Registration;
  ringing: SharedRinging | null;
  call: SharedCall | null;
}

export const IDLE: LeaderState = { registration: { state: 'off' }, ringing: null, call: null };

type Pressed =
  | { type: 'answer' | 'decline' | 'hang-up'; callSid: string }
  | { type: 'mute'; callSid: string; muted: boolean }
  | { type: 'digit'; callSid: string; key: string };

/** What one tab says to the others (`from`: the tab's random id). */
export type RingMessage = { v: typeof VERSION; from: string } & (
  { type: 'state'; state: LeaderState } | { type: 'hello' } | { type: 'visible' } | Pressed
);

/** A message without its envelope, as a tab writes it. */
export type RingMessageBody = Pressed | { type: 'state'; state: LeaderState } | { type: 'hello' } | { type: 'visible' };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isString = (value: unknown): value is string => typeof value === 'string';
const DIGIT = /^[0-9*#]$/;

function isCaller(value: unknown): value is Caller {
  return (
    isObject(value) && isString(value.number) && isString(value.label) && (value.name === null || isString(value.name))
  );
}

function isRegistration(value: unknown): value is Registration {
  if (!isObject(value)) return false;
  if (value.state === 'error') return isString(value.message);
  return value.state === 'off' || value.state === 'registering' || value.state === 'on';
}

function isRinging(value: unknown): value is SharedRinging {
  return (
    isObject(value) &&
    isString(value.callSid) &&
    isCaller(value.caller) &&
    (value.problem === null || isString(value.problem))
  );
}

function isCall(value: unknown): value is SharedCall {
  return (
    isObject(value) &&
    isString(value.callSid) &&
    (value.direction === 'inbound' || value.direction === 'outbound') &&
    isCaller(value.caller) &&
    (value.phase === 'connecting' || value.phase === 'ringing' || value.phase === 'in-call') &&
    (value.since === null || typeof value.since === 'number') &&
    typeof value.muted === 'boolean' &&
    isString(value.digits)
  );
}

function isState(value: unknown): value is LeaderState {
  return (
    isObject(value) &&
    isRegistration(value.registration) &&
    (value.ringing === null || isRinging(value.ringing)) &&
    (value.call === null || isCall(value.call))
  );
}

/** A message from another tab, or null for anything else (another version, a malformed one). */
export function parseRingMessage(data: unknown): RingMessage | null {
  if (!isObject(data) || data.v !== VERSION || !isString(data.from)) return null;
  switch (data.type) {
    case 'state':
      return isState(data.state) ? (data as RingMessage) : null;
    case 'hello':
    case 'visible':
      return data as RingMessage;
    case 'answer':
    case 'decline':
    case 'hang-up':
      return isString(data.callSid) ? (data as RingMessage) : null;
    case 'mute':
      return isString(data.callSid) && typeof data.muted === 'boolean' ? (data as RingMessage) : null;
    case 'digit':
      return isString(data.callSid) && isString(data.key) && DIGIT.test(data.key) ? (data as RingMessage) : null;
    default:
      return null;
  }
}

export function envelope(from: string, body: RingMessageBody): RingMessage {
  return { v: VERSION, from, ...body } as RingMessage;
}

/**
 * What the leader shares of its own state. An incoming call is the browser's (every tab shows it
 * and can act on it); a call placed from a tab stays that tab's (the person is there).
 */
export function leaderState(
  registration: Registration,
  incoming: IncomingCall | null,
  active: ActiveCall | null,
): LeaderState {
  const ringing =
    incoming && !incoming.elsewhere
      ? { callSid: incoming.callSid, caller: incoming.caller, problem: incoming.problem }
      : null;
  const call =
    active && !active.elsewhere && active.direction === 'inbound' && active.callSid
      ? {
          callSid: active.callSid,
          direction: active.direction,
          caller: active.caller,
          phase: active.phase,
          since: active.since,
          muted: active.muted,
          digits: active.digits,
        }
      : null;
  return { registration, ringing, call };
}

/** What the leader does for a message from a follower (null: nothing; the call it names is gone). */
export type LeaderRequest =
  | { kind: 'share' }
  | { kind: 'refresh' }
  | { kind: 'answer' }
  | { kind: 'decline' }
  | { kind: 'hang-up' }
  | { kind: 'mute'; muted: boolean }
  | { kind: 'digit'; key: string };

export function leaderRequest(message: RingMessage, state: LeaderState): LeaderRequest | null {
  switch (message.type) {
    case 'hello':
      return { kind: 'share' };
    case 'visible':
      return { kind: 'refresh' };
    case 'answer':
    case 'decline':
      return state.ringing?.callSid === message.callSid ? { kind: message.type } : null;
    case 'hang-up':
      return state.call?.callSid === message.callSid ? { kind: 'hang-up' } : null;
    case 'mute':
      return state.call?.callSid === message.callSid ? { kind: 'mute', muted: message.muted } : null;
    case 'digit':
      return state.call?.callSid === message.callSid ? { kind: 'digit', key: message.key } : null;
    default:
      return null;
  }
}

/** A follower's own part of a call ringing elsewhere: declined here (hidden at once), or its microphone refused. */
export interface FollowerNotes {
  declined: string | null;
  problem: { callSid: string; message: string } | null;
}

export const NO_NOTES: FollowerNotes = { declined: null, problem: null };

/** The banner a follower shows for the leader's ringing call. */
export function followerIncoming(state: LeaderState, notes: FollowerNotes): IncomingCall | null {
  const ringing = state.ringing;
  if (!ringing || notes.declined === ringing.callSid) return null;
  const own = notes.problem?.callSid === ringing.callSid ? notes.problem.message : null;
  return { callSid: ringing.callSid, caller: ringing.caller, problem: own ?? ringing.problem, elsewhere: true };
}

/** The leader's incoming call, as a follower shows it (the controls relay to the leader). */
export function followerActive(state: LeaderState): ActiveCall | null {
  return state.call ? { ...state.call, elsewhere: true } : null;
}

/** A relayed Answer is settled when the leader no longer rings that call (it answered) or says why it could not. */
export function answerSettled(state: LeaderState, callSid: string): boolean {
  return state.ringing?.callSid !== callSid || state.ringing.problem !== null;
}
