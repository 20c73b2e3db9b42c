import type { ActiveCall, Caller, IncomingCall, Registration } from './voice-context';

/**
 * What the tabs of one browser say to each other about calls (pure; the transport is
 * ring-leadership.ts). One tab, the leader, holds the Web Lock `RING_LOCK` and with it the
 * browser's Twilio registration; it shares what the others must show on BroadcastChannel
 * `RING_CHANNEL` as a whole snapshot (`state`) after every change, so a tab that missed a message
 * or just opened is right again with the next one. The others (followers) only ask: `hello`
 * (send me the state), `visible` (someone looks at the app: read the accounts again), `accounts`
 * (a number was connected or disconnected: read them again now), and the person's presses on
 * the leader's ringing call: answer, decline, each naming its CallSid so a press meant for one
 * call never acts on the next.
 *
 * A call placed from a tab (leader or follower) is that tab's: its sound and microphone are
 * there. The tab shares it as `placed` (its own snapshot, again after every change and on
 * `hello`), and every other tab shows it. Presses on a call (hang up, mute, tones) name the tab
 * that holds it (`to`: the leader for an incoming call it answered, the placing tab for a placed
 * one) and the call (`callSid`: Twilio's, or for a placed call the id its tab gave it, since
 * Twilio names an outgoing call only once it is answered); only that tab acts, and only on that
 * call. Every tab holds the Web Lock `tabLock(its id)` while it is open: a tab showing another
 * tab's placed call waits for that lock, and the browser grants it the moment the holder closes,
 * reloads or crashes (which ends its call), so the call goes from every tab at once.
 */

export const RING_LOCK = 'made-open:calls:ring';
export const RING_CHANNEL = 'made-open:calls';
/** Held by every tab while it is open (its liveness: the browser releases it when the tab goes). */
export const tabLock = (tab: string) => `made-open:calls:tab:${tab}`;
/** Messages of another version (a tab not reloaded since the app was updated) are ignored. */
const VERSION = 2;

/** The call ringing in the leader, as followers show it. */
export interface SharedRinging {
  callSid: string;
  caller: Caller;
  problem: string | null;
}

/**
 * A call a tab is on, as the other tabs show it (with relayed controls): the leader's incoming
 * call (in `state`), or a call placed from a tab (`placed`; its `callSid` is the tab's id for it).
 */
export type SharedCall = Omit<ActiveCall, 'elsewhere' | 'callSid'> & { callSid: string };

/** The leader's snapshot. */
export interface LeaderState {
  registration: Registration;
  ringing: SharedRinging | null;
  call: SharedCall | null;
}

export const IDLE: LeaderState = { registration: { state: 'off' }, ringing: null, call: null };

/** Presses on a call: `to` is the tab that holds it. */
export type CallPress =
  | { type: 'hang-up'; to: string; callSid: string }
  | { type: 'mute'; to: string; callSid: string; muted: boolean }
  | { type: 'digit'; to: string; callSid: string; key: string };

type Pressed = { type: 'answer' | 'decline'; callSid: string } | CallPress;

/** A message without its envelope, as a tab writes it. */
export type RingMessageBody =
  | Pressed
  | { type: 'state'; state: LeaderState }
  | { type: 'placed'; call: SharedCall | null }
  | { type: 'hello' }
  | { type: 'visible' }
  | { type: 'accounts' };

/** What one tab says to the others (`from`: the tab's random id). */
export type RingMessage = { v: typeof VERSION; from: string } & RingMessageBody;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isString = (value: unknown): value is string => typeof value === 'string';
const DIGIT = /^[0-9*#]$/;

/**
 * Said on `window` in a tab when the hub broadcast that a Twilio number was connected or
 * disconnected (shell/sign-in-notices.tsx holds the owner's realtime channel): the ringing tab
 * reads its accounts again at once.
 */
export const TWILIO_CHANGED = 'made-open:twilio-changed';

/** A connector broadcast (event, payload) that changes which Twilio accounts ring. */
export function twilioChanged(event: string, payload: unknown): boolean {
  return (
    (event === 'connector.Connected' || event === 'connector.Disconnected') &&
    isObject(payload) &&
    payload.provider === 'twilio'
  );
}

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
    case 'placed':
      return data.call === null || isCall(data.call) ? (data as RingMessage) : null;
    case 'hello':
    case 'visible':
    case 'accounts':
      return data as RingMessage;
    case 'answer':
    case 'decline':
      return isString(data.callSid) ? (data as RingMessage) : null;
    case 'hang-up':
      return isString(data.to) && isString(data.callSid) ? (data as RingMessage) : null;
    case 'mute':
      return isString(data.to) && isString(data.callSid) && typeof data.muted === 'boolean'
        ? (data as RingMessage)
        : null;
    case 'digit':
      return isString(data.to) && isString(data.callSid) && isString(data.key) && DIGIT.test(data.key)
        ? (data as RingMessage)
        : null;
    default:
      return null;
  }
}

export function envelope(from: string, body: RingMessageBody): RingMessage {
  return { v: VERSION, from, ...body } as RingMessage;
}

function shareCall(active: ActiveCall, callSid: string): SharedCall {
  return {
    callSid,
    direction: active.direction,
    caller: active.caller,
    phase: active.phase,
    since: active.since,
    muted: active.muted,
    digits: active.digits,
  };
}

/**
 * What the leader shares of its own state: what rings, and an incoming call it answered. (A call
 * placed from a tab, the leader too, is shared by that tab as `placed`: placedCall.)
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
      ? shareCall(active, active.callSid)
      : null;
  return { registration, ringing, call };
}

/** What a tab shares of a call placed from it (`id`: the id it gave the call when placing it). */
export function placedCall(active: ActiveCall | null, id: string | null): SharedCall | null {
  return active && !active.elsewhere && active.direction === 'outbound' && id ? shareCall(active, id) : null;
}

/** What the leader does for a message from a follower (null: nothing; the call it names is gone). */
export type LeaderRequest =
  { kind: 'share' } | { kind: 'refresh' } | { kind: 'refresh-now' } | { kind: 'answer' } | { kind: 'decline' };

export function leaderRequest(message: RingMessage, state: LeaderState): LeaderRequest | null {
  switch (message.type) {
    case 'hello':
      return { kind: 'share' };
    case 'visible':
      return { kind: 'refresh' };
    case 'accounts':
      return { kind: 'refresh-now' };
    case 'answer':
    case 'decline':
      return state.ringing?.callSid === message.callSid ? { kind: message.type } : null;
    default:
      return null;
  }
}

/** What the tab holding a call does for a press relayed from another tab. */
export type CallRequest = { kind: 'hang-up' } | { kind: 'mute'; muted: boolean } | { kind: 'digit'; key: string };

/**
 * A press on a call, for tab `tab` whose own call (the incoming call it answered as leader, or
 * the call it placed) is `own`: acted on only when it names this tab and this call.
 */
export function callRequest(message: RingMessage, tab: string, own: SharedCall | null): CallRequest | null {
  if (message.type !== 'hang-up' && message.type !== 'mute' && message.type !== 'digit') return null;
  if (message.to !== tab || !own || own.callSid !== message.callSid) return null;
  if (message.type === 'hang-up') return { kind: 'hang-up' };
  if (message.type === 'mute') return { kind: 'mute', muted: message.muted };
  return { kind: 'digit', key: message.key };
}

/** The calls placed from other tabs of this browser, by the id of the tab holding each. */
export type PlacedElsewhere = Readonly<Record<string, SharedCall>>;

/** A tab said what it placed (or that its call ended): the other tabs' record of it. */
export function notePlaced(placed: PlacedElsewhere, message: RingMessage): PlacedElsewhere {
  if (message.type !== 'placed') return placed;
  if (message.call) return { ...placed, [message.from]: message.call };
  return tabGone(placed, message.from);
}

/** A tab closed (its lock was released): its call ended with it. */
export function tabGone(placed: PlacedElsewhere, tab: string): PlacedElsewhere {
  if (!(tab in placed)) return placed;
  const { [tab]: _gone, ...rest } = placed;
  return rest;
}

/** A call held by another tab, as this tab shows it, and where its controls go. */
export interface CallThere {
  /** The tab holding it. */
  owner: string;
  active: ActiveCall;
}

/**
 * The call another tab of this browser holds, for a tab with none of its own: the leader's
 * incoming call (`leader`: its id and latest snapshot, for a follower), else a call placed from
 * another tab (the oldest tab id first, so every tab shows the same one).
 */
export function callElsewhere(
  leader: { tab: string; state: LeaderState } | null,
  placed: PlacedElsewhere,
): CallThere | null {
  if (leader?.state.call) return { owner: leader.tab, active: { ...leader.state.call, elsewhere: true } };
  const owner = Object.keys(placed).sort()[0];
  return owner === undefined ? null : { owner, active: { ...placed[owner]!, elsewhere: true } };
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

/** A relayed Answer is settled when the leader no longer rings that call (it answered) or says why it could not. */
export function answerSettled(state: LeaderState, callSid: string): boolean {
  return state.ringing?.callSid !== callSid || state.ringing.problem !== null;
}
