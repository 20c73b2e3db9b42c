'use client';
import type { Call as VoiceCall } from '@twilio/voice-sdk';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { callerAction, voiceTokenAction } from '@/lib/actions/calls';
import { useRingAccounts } from './ring-accounts';
import { leaderRequest, leaderState, type RingMessage } from './ring-coordination';
import { useRingFollower } from './ring-follower';
import { useRingLeadership } from './ring-leadership';
import { useRingHere } from './ring-preference';
import { VoiceContext, type ActiveCall, type Caller, type IncomingCall, type Voice } from './voice-context';
import { createDevicePool, type DeviceEntry, type DeviceEvents } from './voice-devices';
import { describeCallError, describeRegistrationError, microphoneProblem } from './voice-words';

/** How long the browser waits for Twilio to start a call before saying it could not. */
const CONNECT_TIMEOUT_MS = 20_000;
/** The number until the hub says who it is (a withheld number has no E.164). */
const bareCaller = (number: string): Caller => ({ number, label: number || 'Unknown number', name: null });

/**
 * The tab's Twilio Devices (@twilio/voice-sdk, loaded only when needed), in the app shell so they
 * outlive page changes. One tab per browser rings (ring-leadership.ts: a Web Lock; the others
 * follow it over a BroadcastChannel, ring-follower.ts): while the user has a Twilio number and
 * this browser was not told not to ring, that tab registers one Device per Twilio account the
 * user has numbers on (voice-devices.ts), refreshes their tokens on tokenWillExpire, and shares
 * what rings. Any tab places the dialer's calls, from the Device of the chosen number's account.
 * A call survives moving between pages; a full reload of the tab holding it ends it
 * (closeProtection asks first).
 */
export function VoiceProvider({ available, children }: { available: boolean; children: ReactNode }) {
  const router = useRouter();
  const [ringHere, setRingHere] = useRingHere();
  const [incoming, setIncoming] = useState<IncomingCall | null>(null);
  const [active, setActive] = useState<ActiveCall | null>(null);
  const [error, setError] = useState<string | null>(null);
  const call = useRef<VoiceCall | null>(null);
  const offered = useRef<VoiceCall | null>(null);
  /** While a call is being placed: the account of its Device ('' until the token says). */
  const placing = useRef<string | null>(null);

  const relay = useRef<(message: RingMessage) => void>(() => undefined);
  const onMessage = useCallback((message: RingMessage) => relay.current(message), []);
  const { role, post } = useRingLeadership(available, onMessage);
  const follower = useRingFollower(role, post);
  const { receive } = follower;
  const theirs = { incoming: follower.incoming, active: follower.active };

  const ended = useCallback(() => {
    call.current = null;
    placing.current = null;
    setActive(null);
    router.refresh(); // the call is in the history now
  }, [router]);

  const follow = useCallback(
    (current: VoiceCall) => {
      call.current = current;
      current.on('accept', () => setActive((a) => a && { ...a, phase: 'in-call', since: a.since ?? Date.now() }));
      current.on('disconnect', ended);
      current.on('cancel', ended);
      current.on('reject', ended);
      current.on('error', (e: unknown) => {
        setError(describeCallError(e));
        if (current.status() === 'closed') ended();
      });
    },
    [ended],
  );

  /** Fills in who the caller is once the hub answers, if the call is still the one shown. */
  const resolveCaller = useCallback((number: string, apply: (caller: Caller) => void) => {
    void callerAction(number).then((found) => {
      if (found.ok) apply(found.data);
    });
  }, []);

  const onIncoming = useCallback(
    (ringing: VoiceCall) => {
      // Busy (a call ringing, on one, or placing one; the SDK ignores a second call only on its own
      // Device, not on another account's): it goes to voicemail as if this phone were engaged.
      if (offered.current || call.current || placing.current !== null) {
        ringing.reject();
        return;
      }
      offered.current = ringing;
      const number = ringing.parameters.From ?? '';
      const callSid = ringing.parameters.CallSid ?? '';
      setIncoming({ callSid, caller: bareCaller(number), problem: null, elsewhere: false });
      resolveCaller(number, (caller) =>
        setIncoming((shown) => (offered.current === ringing && shown ? { ...shown, caller } : shown)),
      );
      // Answered in another browser, hung up by the caller, or declined: the banner goes.
      const gone = () => {
        if (offered.current !== ringing) return;
        offered.current = null;
        setIncoming(null);
      };
      ringing.on('cancel', gone);
      ringing.on('disconnect', gone);
      ringing.on('reject', gone);
    },
    [resolveCaller],
  );

  // The pool lives as long as the tab; its events reach the latest handlers through a ref.
  const handlers = useRef<Omit<DeviceEvents, 'token'>>({
    incoming: () => undefined,
    registration: () => undefined,
    error: () => undefined,
  });
  const [pool] = useState(() =>
    createDevicePool({
      token: (connectionId) => voiceTokenAction(connectionId),
      incoming: (ringing) => handlers.current.incoming(ringing),
      registration: (account, registration) => handlers.current.registration(account, registration),
      error: (account, e, device) => handlers.current.error(account, e, device),
    }),
  );

  // The ringing tab (or, without Web Locks, every tab) registers while wanted.
  const rings = available && ringHere && (role === 'leader' || role === 'alone');
  const { registration: ownRegistration, update, reread, rebuild } = useRingAccounts(rings, pool);

  useEffect(() => {
    handlers.current = {
      incoming: onIncoming,
      registration: update,
      error: (account, e, device) => {
        if (placing.current === account) {
          // The call being placed cannot reach Twilio: say so now rather than at the timeout.
          setError(describeCallError(e));
          placing.current = null;
          setActive(null);
          return;
        }
        if (device.state !== 'registered') update(account, { state: 'error', message: describeRegistrationError(e) });
      },
    };
  }, [onIncoming, update]);

  // The shell unmounts on sign-out: the devices go with it.
  useEffect(
    () => () => {
      call.current?.disconnect();
      pool.destroy();
    },
    [pool],
  );

  const place = useCallback(
    async (to: string, connectionId?: string) => {
      setError(null);
      placing.current = '';
      setActive({
        callSid: null,
        elsewhere: false,
        direction: 'outbound',
        caller: bareCaller(to),
        phase: 'connecting',
        since: null,
        muted: false,
        digits: '',
      });
      // The token first (the browser runs server actions one at a time): the name can follow.
      const pending = (async (): Promise<DeviceEntry | string> => {
        const ready = pool.find(connectionId);
        if (ready) return ready;
        const token = await voiceTokenAction(connectionId);
        return token.ok ? pool.take(token.data) : token.error;
      })();
      resolveCaller(to, (caller) => setActive((a) => (a && a.caller.number === to ? { ...a, caller } : a)));
      const entry = await pending;
      if (typeof entry === 'string' || placing.current === null) {
        placing.current = null;
        setActive(null);
        if (typeof entry === 'string') setError(entry);
        return;
      }
      placing.current = entry.account;
      let timeout: ReturnType<typeof setTimeout> | undefined;
      try {
        const started = await Promise.race([
          entry.device.connect({ params: { To: to } }),
          new Promise<never>((_, reject) => {
            timeout = setTimeout(
              () => reject({ message: 'Twilio did not answer within 20 seconds' }),
              CONNECT_TIMEOUT_MS,
            );
          }),
        ]);
        clearTimeout(timeout);
        if (placing.current === null) {
          // The signalling failed meanwhile (already said), or Hang up: this call goes no further.
          started.disconnect();
          return;
        }
        placing.current = null;
        setActive((a) => a && { ...a, phase: 'ringing' });
        follow(started);
      } catch (e) {
        clearTimeout(timeout);
        if (placing.current !== null) setError(describeCallError(e));
        placing.current = null;
        setActive(null);
        // A device that could not reach Twilio is rebuilt (and, if it rang, registered again) for the next try.
        if (entry.device.state !== 'registered') {
          pool.discard(entry.account);
          rebuild();
        }
      }
    },
    [follow, pool, rebuild, resolveCaller],
  );

  const answerHere = useCallback(async () => {
    const ringing = offered.current;
    if (!ringing) return;
    const problem = await microphoneProblem();
    if (offered.current !== ringing) return; // taken elsewhere or hung up meanwhile
    if (problem) {
      setIncoming((shown) => shown && { ...shown, problem });
      return;
    }
    offered.current = null;
    setError(null);
    setActive({
      callSid: ringing.parameters.CallSid ?? null,
      elsewhere: false,
      direction: 'inbound',
      caller: incoming?.caller ?? bareCaller(ringing.parameters.From ?? ''),
      phase: 'in-call',
      since: Date.now(),
      muted: false,
      digits: '',
    });
    setIncoming(null);
    follow(ringing);
    ringing.accept();
  }, [follow, incoming]);

  const declineHere = useCallback(() => {
    // Only this browser's leg: Twilio keeps ringing the others, then takes a voicemail.
    offered.current?.reject();
    offered.current = null;
    setIncoming(null);
  }, []);

  const hangUpHere = useCallback(() => {
    if (call.current) call.current.disconnect();
    else placing.current = null;
    ended();
  }, [ended]);

  const setMutedHere = useCallback((muted: boolean) => {
    call.current?.mute(muted);
    setActive((a) => a && { ...a, muted });
  }, []);

  const sendDigitHere = useCallback((key: string) => {
    if (!call.current) return;
    call.current.sendDigits(key);
    setActive((a) => a && { ...a, digits: (a.digits + key).slice(-24) });
  }, []);

  // The leader shares its own state after every change (a whole snapshot: see ring-coordination.ts).
  const shared = useMemo(() => leaderState(ownRegistration, incoming, active), [ownRegistration, incoming, active]);
  useEffect(() => {
    if (role === 'leader') post({ type: 'state', state: shared });
  }, [role, shared, post]);

  // Messages from the other tabs: a follower takes the leader's snapshots; the leader acts on presses.
  useEffect(() => {
    relay.current = (message) => {
      if (role === 'follower') {
        if (message.type === 'state') receive(message.state);
        return;
      }
      if (role !== 'leader') return;
      const request = leaderRequest(message, shared);
      if (!request) return;
      if (request.kind === 'share') post({ type: 'state', state: shared });
      else if (request.kind === 'refresh') reread();
      else if (request.kind === 'answer') void answerHere();
      else if (request.kind === 'decline') declineHere();
      else if (request.kind === 'hang-up') hangUpHere();
      else if (request.kind === 'mute') setMutedHere(request.muted);
      else sendDigitHere(request.key);
    };
  });

  // What the person sees and presses: this tab's own call first, else what rings or goes on in the leader.
  const { answer: answerThere, decline: declineThere, hangUp: hangUpThere } = follower;
  const { setMuted: setMutedThere, sendDigit: sendDigitThere } = follower;
  const shownIncoming = incoming ?? theirs.incoming;
  const shownActive = active ?? theirs.active;
  /** The leader's call this tab shows, when this tab has none of its own. */
  const remoteCall = !active && theirs.active?.callSid ? theirs.active.callSid : null;
  const remoteRinging = theirs.incoming?.callSid ?? null;

  const answer = useCallback(async () => {
    if (offered.current) return answerHere();
    if (remoteRinging) await answerThere(remoteRinging);
  }, [answerHere, answerThere, remoteRinging]);
  const decline = useCallback(() => {
    if (offered.current) declineHere();
    else if (remoteRinging) declineThere(remoteRinging);
  }, [declineHere, declineThere, remoteRinging]);
  const hangUp = useCallback(() => {
    if (remoteCall) hangUpThere(remoteCall);
    else hangUpHere();
  }, [remoteCall, hangUpThere, hangUpHere]);
  const setMuted = useCallback(
    (muted: boolean) => (remoteCall ? setMutedThere(remoteCall, muted) : setMutedHere(muted)),
    [remoteCall, setMutedThere, setMutedHere],
  );
  const sendDigit = useCallback(
    (key: string) => (remoteCall ? sendDigitThere(remoteCall, key) : sendDigitHere(key)),
    [remoteCall, sendDigitThere, sendDigitHere],
  );

  // What this tab says about ringing: its own accounts, or (a follower) the leader's.
  const registration = role === 'follower' ? follower.registration : ownRegistration;
  const value = useMemo<Voice>(
    () => ({
      available,
      role,
      ringHere,
      setRingHere,
      registration,
      incoming: shownIncoming,
      active: shownActive,
      error,
      dismissError: () => setError(null),
      place,
      answer,
      decline,
      hangUp,
      setMuted,
      sendDigit,
    }),
    [
      available,
      role,
      ringHere,
      setRingHere,
      registration,
      shownIncoming,
      shownActive,
      error,
      place,
      answer,
      decline,
      hangUp,
      setMuted,
      sendDigit,
    ],
  );
  return <VoiceContext.Provider value={value}>{children}</VoiceContext.Provider>;
}
