'use client';
import type { Call as VoiceCall } from '@twilio/voice-sdk';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { callerAction, voiceTokenAction } from '@/lib/actions/calls';
import { useRingAccounts } from './ring-accounts';
import {
  callElsewhere,
  callRequest,
  leaderRequest,
  leaderState,
  placedCall,
  TWILIO_CHANGED,
  type RingMessage,
} from './ring-coordination';
import { usePlacedElsewhere } from './ring-elsewhere';
import { useRingFollower } from './ring-follower';
import { useRingLeadership } from './ring-leadership';
import { useRingHere } from './ring-preference';
import { VoiceContext, type ActiveCall, type Caller, type IncomingCall, type Voice } from './voice-context';
import { createDevicePool, type DeviceEntry, type DeviceEvents } from './voice-devices';
import { describeCallError, describeRegistrationError, microphoneProblem } from './voice-words';

/** How long the browser waits for Twilio to start a call before saying it could not. */
const CONNECT_TIMEOUT_MS = 20_000;
/** Said when the dialer of one tab is asked for a call while another tab of this browser is on one. */
export const BUSY_ELSEWHERE =
  'A call is in progress in another tab of this browser. Hang it up (here or there) before placing another.';
/** An id for a call placed here, until Twilio names it (it does once the call is answered). */
const newCallId = () =>
  `placed:${typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : String(Math.random())}`;
/** The number until the hub says who it is (a withheld number has no E.164). */
const bareCaller = (number: string): Caller => ({ number, label: number || 'Unknown number', name: null });

/**
 * The tab's Twilio Devices (@twilio/voice-sdk, loaded only when needed), in the app shell so they
 * outlive page changes. One tab per browser rings (ring-leadership.ts: a Web Lock; the others
 * follow it over a BroadcastChannel, ring-follower.ts): while the user has a Twilio number and
 * this browser was not told not to ring, that tab registers one Device per Twilio account the
 * user has numbers on (voice-devices.ts), refreshes their tokens on tokenWillExpire, and shares
 * what rings. Any tab places the dialer's calls, from the Device of the chosen number's account,
 * and shares the call with the other tabs (they show it and relay Mute, tones and Hang up to it;
 * their dialers place no second call over it).
 * A call survives moving between pages; a full reload or closing of the tab holding it ends it
 * (closeProtection asks first), and the other tabs drop it at once (ring-elsewhere.ts).
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
  /** The id of the call placed from this tab, as the other tabs name it in their presses. */
  const [placedId, setPlacedId] = useState<string | null>(null);

  const relay = useRef<(message: RingMessage) => void>(() => undefined);
  const onMessage = useCallback((message: RingMessage) => relay.current(message), []);
  const { role, tab, alive, post } = useRingLeadership(available, onMessage);
  const follower = useRingFollower(role, post);
  const { receive } = follower;
  const placedElsewhere = usePlacedElsewhere(role);
  /** A call another tab of this browser holds (the leader's incoming call, or one placed there). */
  const there = useMemo(
    () => callElsewhere(follower.leader, placedElsewhere.placed),
    [follower.leader, placedElsewhere.placed],
  );
  const busyElsewhere = useRef(false);
  useEffect(() => {
    busyElsewhere.current = there !== null;
  }, [there]);

  const ended = useCallback(() => {
    call.current = null;
    placing.current = null;
    setActive(null);
    setPlacedId(null);
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
      // A call placed from another tab of this browser counts too: the person is on it.
      if (offered.current || call.current || placing.current !== null || busyElsewhere.current) {
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

  // A Twilio number connected or disconnected (any browser, or the API: the realtime broadcast):
  // the ringing tab reads its accounts now; with no number yet, the shell is read again (it says whether calls ring).
  useEffect(() => {
    const changed = () => {
      if (rings) rebuild();
      else if (!available) router.refresh();
    };
    window.addEventListener(TWILIO_CHANGED, changed);
    return () => window.removeEventListener(TWILIO_CHANGED, changed);
  }, [rings, available, rebuild, router]);

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
          setPlacedId(null);
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
      // One call at a time per browser: the person is on one in another tab.
      if (busyElsewhere.current) {
        setError(BUSY_ELSEWHERE);
        return;
      }
      setError(null);
      placing.current = '';
      setPlacedId(newCallId());
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
        setPlacedId(null);
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
        setPlacedId(null);
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

  // Any tab shares the call placed from it, once its liveness lock is held (the others wait on it).
  const placed = useMemo(() => placedCall(active, placedId), [active, placedId]);
  const coordinated = role === 'leader' || role === 'follower';
  const sharedPlaced = useRef(false);
  useEffect(() => {
    if (!coordinated || !alive) return;
    if (!placed && !sharedPlaced.current) return; // nothing to take back
    sharedPlaced.current = placed !== null;
    post({ type: 'placed', call: placed });
  }, [coordinated, alive, placed, post]);
  /** This tab's own call as the others name it: the one placed here, or the incoming call the leader answered. */
  const own = placed ?? (role === 'leader' ? shared.call : null);

  // Messages from the other tabs: a follower takes the leader's snapshots; every tab keeps the
  // calls placed elsewhere and acts on presses on its own call; the leader acts on the rest.
  useEffect(() => {
    relay.current = (message) => {
      if (!coordinated) return;
      if (message.type === 'placed') return placedElsewhere.receive(message);
      if (message.type === 'hello' && placed && alive) post({ type: 'placed', call: placed });
      const press = callRequest(message, tab, own);
      if (press) {
        if (press.kind === 'hang-up') hangUpHere();
        else if (press.kind === 'mute') setMutedHere(press.muted);
        else sendDigitHere(press.key);
        return;
      }
      if (role === 'follower') {
        if (message.type === 'state') receive(message.state, message.from);
        return;
      }
      const request = leaderRequest(message, shared);
      if (!request) return;
      if (request.kind === 'share') post({ type: 'state', state: shared });
      else if (request.kind === 'refresh') reread();
      else if (request.kind === 'refresh-now') rebuild();
      else if (request.kind === 'answer') void answerHere();
      else declineHere();
    };
  });

  // What the person sees and presses: this tab's own call first, else what rings in the leader
  // or the call another tab holds (its presses go to that tab).
  const { answer: answerThere, decline: declineThere } = follower;
  const shownIncoming = incoming ?? follower.incoming;
  const remote = !active && there ? { owner: there.owner, callSid: there.active.callSid! } : null;
  const shownActive = active ?? there?.active ?? null;
  const remoteRinging = follower.incoming?.callSid ?? null;

  const answer = useCallback(async () => {
    if (offered.current) return answerHere();
    if (remoteRinging) await answerThere(remoteRinging);
  }, [answerHere, answerThere, remoteRinging]);
  const decline = useCallback(() => {
    if (offered.current) declineHere();
    else if (remoteRinging) declineThere(remoteRinging);
  }, [declineHere, declineThere, remoteRinging]);
  const remoteOwner = remote?.owner ?? null;
  const remoteCall = remote?.callSid ?? null;
  const hangUp = useCallback(() => {
    if (remoteOwner && remoteCall) post({ type: 'hang-up', to: remoteOwner, callSid: remoteCall });
    else hangUpHere();
  }, [remoteOwner, remoteCall, post, hangUpHere]);
  const setMuted = useCallback(
    (muted: boolean) =>
      remoteOwner && remoteCall
        ? post({ type: 'mute', to: remoteOwner, callSid: remoteCall, muted })
        : setMutedHere(muted),
    [remoteOwner, remoteCall, post, setMutedHere],
  );
  const sendDigit = useCallback(
    (key: string) =>
      remoteOwner && remoteCall
        ? post({ type: 'digit', to: remoteOwner, callSid: remoteCall, key })
        : sendDigitHere(key),
    [remoteOwner, remoteCall, post, sendDigitHere],
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
