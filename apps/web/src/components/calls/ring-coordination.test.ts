import { describe, expect, it } from 'vitest';
import {
  answerSettled,
  envelope,
  followerActive,
  followerIncoming,
  IDLE,
  leaderRequest,
  leaderState,
  NO_NOTES,
  parseRingMessage,
  type LeaderState,
} from './ring-coordination';
import type { ActiveCall, IncomingCall } from './voice-context';

const ada = { number: '+14155550123', label: '+1 415 555 0123', name: 'Ada Lovelace' };
const ringing: IncomingCall = { callSid: 'CA1', caller: ada, problem: null, elsewhere: false };
const onCall: ActiveCall = {
  callSid: 'CA1',
  elsewhere: false,
  direction: 'inbound',
  caller: ada,
  phase: 'in-call',
  since: 1_700_000_000_000,
  muted: false,
  digits: '',
};
const ringingState: LeaderState = { ...IDLE, ringing: { callSid: 'CA1', caller: ada, problem: null } };
const callState = leaderState({ state: 'on' }, null, onCall);

describe('the messages between tabs', () => {
  it('round-trips every message through its envelope and the parser', () => {
    const bodies = [
      { type: 'state', state: callState },
      { type: 'state', state: ringingState },
      { type: 'state', state: { ...IDLE, registration: { state: 'error', message: 'No.' } } },
      { type: 'hello' },
      { type: 'visible' },
      { type: 'answer', callSid: 'CA1' },
      { type: 'decline', callSid: 'CA1' },
      { type: 'hang-up', callSid: 'CA1' },
      { type: 'mute', callSid: 'CA1', muted: true },
      { type: 'digit', callSid: 'CA1', key: '#' },
    ] as const;
    for (const body of bodies) {
      // A BroadcastChannel delivers a structured clone.
      const message = envelope('tab-1', body);
      expect(parseRingMessage(structuredClone(message))).toEqual(message);
    }
  });

  it('ignores other versions, strangers and malformed messages', () => {
    const good = envelope('tab-1', { type: 'hello' });
    expect(parseRingMessage({ ...good, v: 2 })).toBeNull();
    expect(parseRingMessage({ ...good, from: 3 })).toBeNull();
    expect(parseRingMessage({ ...good, type: 'shout' })).toBeNull();
    expect(parseRingMessage('hello')).toBeNull();
    expect(parseRingMessage(null)).toBeNull();
    expect(parseRingMessage(envelope('t', { type: 'digit', callSid: 'CA1', key: '55' }))).toBeNull();
    expect(
      parseRingMessage({ ...envelope('t', { type: 'mute', callSid: 'CA1', muted: true }), muted: 'yes' }),
    ).toBeNull();
    expect(parseRingMessage({ ...good, type: 'answer' })).toBeNull();
    const broken = { ...envelope('t', { type: 'state', state: ringingState }) } as Record<string, unknown>;
    expect(parseRingMessage({ ...broken, state: { ...ringingState, ringing: { callSid: 'CA1' } } })).toBeNull();
    expect(parseRingMessage({ ...broken, state: { ...IDLE, registration: { state: 'error' } } })).toBeNull();
    expect(
      parseRingMessage({ ...broken, state: { ...callState, call: { ...callState.call, phase: 'gone' } } }),
    ).toBeNull();
  });
});

describe('what the leader shares', () => {
  it('shares the call ringing and an incoming call it is on, never a call placed from it', () => {
    expect(leaderState({ state: 'on' }, ringing, null)).toEqual({
      registration: { state: 'on' },
      ringing: { callSid: 'CA1', caller: ada, problem: null },
      call: null,
    });
    expect(leaderState({ state: 'on' }, null, onCall).call).toEqual({
      callSid: 'CA1',
      direction: 'inbound',
      caller: ada,
      phase: 'in-call',
      since: onCall.since,
      muted: false,
      digits: '',
    });
    expect(leaderState({ state: 'on' }, null, { ...onCall, direction: 'outbound' }).call).toBeNull();
    expect(leaderState({ state: 'on' }, null, { ...onCall, callSid: null }).call).toBeNull();
  });

  it('acts only on presses for the call it has now', () => {
    const from = 'tab-2';
    expect(leaderRequest(envelope(from, { type: 'hello' }), IDLE)).toEqual({ kind: 'share' });
    expect(leaderRequest(envelope(from, { type: 'visible' }), IDLE)).toEqual({ kind: 'refresh' });
    expect(leaderRequest(envelope(from, { type: 'answer', callSid: 'CA1' }), ringingState)).toEqual({ kind: 'answer' });
    expect(leaderRequest(envelope(from, { type: 'decline', callSid: 'CA1' }), ringingState)).toEqual({
      kind: 'decline',
    });
    // A press meant for an earlier call, or for a call that is no longer ringing, does nothing.
    expect(leaderRequest(envelope(from, { type: 'answer', callSid: 'CA0' }), ringingState)).toBeNull();
    expect(leaderRequest(envelope(from, { type: 'answer', callSid: 'CA1' }), callState)).toBeNull();
    expect(leaderRequest(envelope(from, { type: 'hang-up', callSid: 'CA1' }), ringingState)).toBeNull();
    expect(leaderRequest(envelope(from, { type: 'hang-up', callSid: 'CA1' }), callState)).toEqual({ kind: 'hang-up' });
    expect(leaderRequest(envelope(from, { type: 'mute', callSid: 'CA1', muted: true }), callState)).toEqual({
      kind: 'mute',
      muted: true,
    });
    expect(leaderRequest(envelope(from, { type: 'digit', callSid: 'CA1', key: '5' }), callState)).toEqual({
      kind: 'digit',
      key: '5',
    });
    expect(leaderRequest(envelope(from, { type: 'state', state: IDLE }), callState)).toBeNull();
  });
});

describe('what a follower shows', () => {
  it('the leader’s ringing call, said to ring elsewhere; gone at once once declined here', () => {
    expect(followerIncoming(IDLE, NO_NOTES)).toBeNull();
    expect(followerIncoming(ringingState, NO_NOTES)).toEqual({ ...ringing, elsewhere: true });
    expect(followerIncoming(ringingState, { declined: 'CA1', problem: null })).toBeNull();
    // A new call after a declined one shows again.
    const next = { ...ringingState, ringing: { ...ringingState.ringing!, callSid: 'CA2' } };
    expect(followerIncoming(next, { declined: 'CA1', problem: null })?.callSid).toBe('CA2');
  });

  it('its own microphone problem for that call, else the leader’s', () => {
    const own = { declined: null, problem: { callSid: 'CA1', message: 'Blocked here.' } };
    expect(followerIncoming(ringingState, own)?.problem).toBe('Blocked here.');
    const theirs = { ...ringingState, ringing: { ...ringingState.ringing!, problem: 'Blocked there.' } };
    expect(followerIncoming(theirs, NO_NOTES)?.problem).toBe('Blocked there.');
    expect(followerIncoming(theirs, { declined: null, problem: { callSid: 'CA0', message: 'old' } })?.problem).toBe(
      'Blocked there.',
    );
  });

  it('the leader’s call with its controls elsewhere', () => {
    expect(followerActive(IDLE)).toBeNull();
    expect(followerActive(callState)).toEqual({ ...onCall, elsewhere: true });
  });

  it('a relayed Answer settles when the call stops ringing there or the leader says why it could not', () => {
    expect(answerSettled(ringingState, 'CA1')).toBe(false);
    expect(answerSettled(callState, 'CA1')).toBe(true);
    expect(answerSettled(IDLE, 'CA1')).toBe(true);
    expect(answerSettled({ ...ringingState, ringing: { ...ringingState.ringing!, problem: 'No mic.' } }, 'CA1')).toBe(
      true,
    );
  });
});
