import { describe, expect, it } from 'vitest';
import {
  answerSettled,
  callElsewhere,
  callRequest,
  envelope,
  followerIncoming,
  IDLE,
  leaderRequest,
  leaderState,
  NO_NOTES,
  notePlaced,
  parseRingMessage,
  placedCall,
  tabGone,
  tabLock,
  twilioChanged,
  type LeaderState,
  type PlacedElsewhere,
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
const dialling: ActiveCall = {
  callSid: null,
  elsewhere: false,
  direction: 'outbound',
  caller: { number: '+14155550177', label: '+1 415 555 0177', name: 'Grace Hopper' },
  phase: 'connecting',
  since: null,
  muted: false,
  digits: '',
};
const graceCall = placedCall({ ...dialling, phase: 'in-call', since: 1_700_000_000_000 }, 'placed:1')!;

describe('the messages between tabs', () => {
  it('round-trips every message through its envelope and the parser', () => {
    const bodies = [
      { type: 'state', state: callState },
      { type: 'state', state: ringingState },
      { type: 'state', state: { ...IDLE, registration: { state: 'error', message: 'No.' } } },
      { type: 'placed', call: graceCall },
      { type: 'placed', call: null },
      { type: 'hello' },
      { type: 'visible' },
      { type: 'accounts' },
      { type: 'answer', callSid: 'CA1' },
      { type: 'decline', callSid: 'CA1' },
      { type: 'hang-up', to: 'tab-2', callSid: 'CA1' },
      { type: 'mute', to: 'tab-2', callSid: 'CA1', muted: true },
      { type: 'digit', to: 'tab-2', callSid: 'placed:1', key: '#' },
    ] as const;
    for (const body of bodies) {
      // A BroadcastChannel delivers a structured clone.
      const message = envelope('tab-1', body);
      expect(parseRingMessage(structuredClone(message))).toEqual(message);
    }
  });

  it('ignores other versions, strangers and malformed messages', () => {
    const good = envelope('tab-1', { type: 'hello' });
    // Version 1 (a tab not reloaded since calls placed in a tab were shared) and any later one.
    expect(parseRingMessage({ ...good, v: 1 })).toBeNull();
    expect(parseRingMessage({ ...good, v: 3 })).toBeNull();
    expect(parseRingMessage({ ...good, from: 3 })).toBeNull();
    expect(parseRingMessage({ ...good, type: 'shout' })).toBeNull();
    expect(parseRingMessage('hello')).toBeNull();
    expect(parseRingMessage(null)).toBeNull();
    expect(parseRingMessage(envelope('t', { type: 'digit', to: 'u', callSid: 'CA1', key: '55' }))).toBeNull();
    expect(
      parseRingMessage({ ...envelope('t', { type: 'mute', to: 'u', callSid: 'CA1', muted: true }), muted: 'yes' }),
    ).toBeNull();
    // A press on a call must name the tab that holds it.
    expect(parseRingMessage({ ...good, type: 'hang-up', callSid: 'CA1' })).toBeNull();
    expect(parseRingMessage({ ...good, type: 'mute', callSid: 'CA1', muted: true, to: 7 })).toBeNull();
    expect(parseRingMessage({ ...good, type: 'digit', callSid: 'CA1', key: '1' })).toBeNull();
    // A placed call is a whole call, or null for none.
    expect(parseRingMessage({ ...good, type: 'placed' })).toBeNull();
    expect(parseRingMessage({ ...good, type: 'placed', call: { ...graceCall, muted: 'no' } })).toBeNull();
    expect(parseRingMessage({ ...good, type: 'placed', call: { ...graceCall, callSid: null } })).toBeNull();
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
    expect(leaderRequest(envelope(from, { type: 'accounts' }), IDLE)).toEqual({ kind: 'refresh-now' });
    expect(leaderRequest(envelope(from, { type: 'answer', callSid: 'CA1' }), ringingState)).toEqual({ kind: 'answer' });
    expect(leaderRequest(envelope(from, { type: 'decline', callSid: 'CA1' }), ringingState)).toEqual({
      kind: 'decline',
    });
    // A press meant for an earlier call, or for a call that is no longer ringing, does nothing.
    expect(leaderRequest(envelope(from, { type: 'answer', callSid: 'CA0' }), ringingState)).toBeNull();
    expect(leaderRequest(envelope(from, { type: 'answer', callSid: 'CA1' }), callState)).toBeNull();
    // Presses on a call are for the tab holding it (callRequest), not the leader as such.
    expect(leaderRequest(envelope(from, { type: 'hang-up', to: 'leader', callSid: 'CA1' }), callState)).toBeNull();
    expect(leaderRequest(envelope(from, { type: 'state', state: IDLE }), callState)).toBeNull();
    expect(leaderRequest(envelope(from, { type: 'placed', call: graceCall }), callState)).toBeNull();
  });
});

describe('a call placed from a tab', () => {
  it('is shared by the tab that placed it, under the id it gave it, from the moment it is dialled', () => {
    expect(placedCall(dialling, 'placed:1')).toEqual({
      callSid: 'placed:1',
      direction: 'outbound',
      caller: dialling.caller,
      phase: 'connecting',
      since: null,
      muted: false,
      digits: '',
    });
    expect(placedCall(null, 'placed:1')).toBeNull();
    expect(placedCall(dialling, null)).toBeNull();
    // An incoming call is the leader's to share (in its state); a call shown from elsewhere is not this tab's.
    expect(placedCall(onCall, 'placed:1')).toBeNull();
    expect(placedCall({ ...dialling, elsewhere: true }, 'placed:1')).toBeNull();
    expect(leaderState({ state: 'on' }, null, dialling).call).toBeNull();
  });

  it('presses act only in the tab they name, and only on its call now', () => {
    const press = (body: Parameters<typeof envelope>[1]) => envelope('tab-b', body);
    const hangUp = press({ type: 'hang-up', to: 'tab-a', callSid: 'placed:1' });
    expect(callRequest(hangUp, 'tab-a', graceCall)).toEqual({ kind: 'hang-up' });
    // Another tab, another call (an earlier one), or no call any more: nothing.
    expect(callRequest(hangUp, 'tab-c', graceCall)).toBeNull();
    expect(callRequest(hangUp, 'tab-a', { ...graceCall, callSid: 'placed:2' })).toBeNull();
    expect(callRequest(hangUp, 'tab-a', null)).toBeNull();
    expect(
      callRequest(press({ type: 'mute', to: 'tab-a', callSid: 'placed:1', muted: true }), 'tab-a', graceCall),
    ).toEqual({ kind: 'mute', muted: true });
    expect(
      callRequest(press({ type: 'digit', to: 'tab-a', callSid: 'placed:1', key: '9' }), 'tab-a', graceCall),
    ).toEqual({ kind: 'digit', key: '9' });
    // The leader's incoming call: the same rule, its CallSid.
    expect(callRequest(press({ type: 'hang-up', to: 'leader', callSid: 'CA1' }), 'leader', callState.call)).toEqual({
      kind: 'hang-up',
    });
    expect(callRequest(press({ type: 'answer', callSid: 'CA1' }), 'leader', callState.call)).toBeNull();
  });

  it('the other tabs keep it by the tab holding it, until that tab says it ended or is gone', () => {
    let placed: PlacedElsewhere = {};
    placed = notePlaced(placed, envelope('tab-a', { type: 'placed', call: graceCall }));
    expect(placed).toEqual({ 'tab-a': graceCall });
    const answered = { ...graceCall, phase: 'in-call' as const, muted: true };
    placed = notePlaced(placed, envelope('tab-a', { type: 'placed', call: answered }));
    expect(placed).toEqual({ 'tab-a': answered });
    expect(notePlaced(placed, envelope('tab-a', { type: 'placed', call: null }))).toEqual({});
    expect(tabGone(placed, 'tab-a')).toEqual({});
    // Another tab's end, or a tab without a call, changes nothing (the same object: no re-render).
    expect(notePlaced(placed, envelope('tab-b', { type: 'placed', call: null }))).toBe(placed);
    expect(tabGone(placed, 'tab-b')).toBe(placed);
    expect(notePlaced(placed, envelope('tab-b', { type: 'hello' }))).toBe(placed);
    expect(tabLock('tab-a')).not.toBe(tabLock('tab-b'));
  });

  it('another tab shows the leader’s incoming call first, else a placed one, with where its presses go', () => {
    expect(callElsewhere(null, {})).toBeNull();
    expect(callElsewhere({ tab: 'leader', state: IDLE }, {})).toBeNull();
    expect(callElsewhere({ tab: 'leader', state: callState }, { 'tab-a': graceCall })).toEqual({
      owner: 'leader',
      active: { ...onCall, elsewhere: true },
    });
    expect(callElsewhere({ tab: 'leader', state: IDLE }, { 'tab-a': graceCall })).toEqual({
      owner: 'tab-a',
      active: { ...graceCall, elsewhere: true },
    });
    // The leader itself (no snapshot to follow) shows a follower's call; every tab picks the same one.
    const other = { ...graceCall, callSid: 'placed:2' };
    expect(callElsewhere(null, { 'tab-b': other, 'tab-a': graceCall })?.owner).toBe('tab-a');
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

  it('a relayed Answer settles when the call stops ringing there or the leader says why it could not', () => {
    expect(answerSettled(ringingState, 'CA1')).toBe(false);
    expect(answerSettled(callState, 'CA1')).toBe(true);
    expect(answerSettled(IDLE, 'CA1')).toBe(true);
    expect(answerSettled({ ...ringingState, ringing: { ...ringingState.ringing!, problem: 'No mic.' } }, 'CA1')).toBe(
      true,
    );
  });
});

describe('which connector broadcasts make the ringing tab read its accounts again', () => {
  it('a Twilio connection made or removed, nothing else', () => {
    const twilio = { subject: 'c1', connectionId: 'c1', provider: 'twilio', label: '+14155550100' };
    expect(twilioChanged('connector.Connected', twilio)).toBe(true);
    expect(twilioChanged('connector.Disconnected', twilio)).toBe(true);
    expect(twilioChanged('connector.Connected', { ...twilio, provider: 'msgraph' })).toBe(false);
    expect(twilioChanged('connector.SyncProgress', twilio)).toBe(false);
    expect(twilioChanged('connector.Reconfigured', twilio)).toBe(false);
    expect(twilioChanged('connector.Connected', undefined)).toBe(false);
    expect(twilioChanged('connector.Connected', 'twilio')).toBe(false);
  });
});
