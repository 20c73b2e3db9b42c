'use client';
import type { Call as VoiceCall, Device } from '@twilio/voice-sdk';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { callerAction, voiceTokenAction } from '@/lib/actions/calls';
import { useRingHere } from './ring-preference';
import {
  VoiceContext,
  type ActiveCall,
  type Caller,
  type IncomingCall,
  type Registration,
  type Voice,
} from './voice-context';
import { describeCallError, describeRegistrationError, microphoneProblem } from './voice-words';

/** How long the browser waits for Twilio to start a call before saying it could not. */
const CONNECT_TIMEOUT_MS = 20_000;

/** The number until the hub says who it is (a withheld number has no E.164). */
const bareCaller = (number: string): Caller => ({ number, label: number || 'Unknown number', name: null });

/**
 * The tab's one Twilio Device (@twilio/voice-sdk, loaded only when needed), in the app shell so
 * it outlives page changes: it registers for incoming calls on every page when the user has a
 * Twilio number and this browser has not been told not to ring, refreshes its token on
 * tokenWillExpire, and places the dialer's calls. A call survives moving between pages; a full
 * reload ends it (closeProtection asks first).
 */
export function VoiceProvider({ available, children }: { available: boolean; children: ReactNode }) {
  const router = useRouter();
  const [ringHere, setRingHere] = useRingHere();
  const [registration, setRegistration] = useState<Registration>({ state: 'off' });
  const [incoming, setIncoming] = useState<IncomingCall | null>(null);
  const [active, setActive] = useState<ActiveCall | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** Bumped when a broken device is thrown away, so registration starts again on a new one. */
  const [generation, setGeneration] = useState(0);
  const device = useRef<Device | null>(null);
  const creating = useRef<Promise<Device | string> | null>(null);
  /** The number (connection) the device's token calls from; swapped when the dialer's From changes. */
  const deviceFrom = useRef<string | undefined>(undefined);
  const call = useRef<VoiceCall | null>(null);
  const offered = useRef<VoiceCall | null>(null);
  const placing = useRef(false);

  const ended = useCallback(() => {
    call.current = null;
    placing.current = false;
    setActive(null);
    router.refresh(); // the call is in the history now
  }, [router]);

  /** Throws the device away (it could not reach Twilio); the next use builds a new one. */
  const discard = useCallback(() => {
    device.current?.destroy();
    device.current = null;
    setGeneration((g) => g + 1);
  }, []);

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

  const build = useCallback(
    async (connectionId: string | undefined): Promise<Device | string> => {
      const token = await voiceTokenAction(connectionId);
      if (!token.ok) return token.error;
      const { Device } = await import('@twilio/voice-sdk');
      const created = new Device(token.data.token, { closeProtection: true, logLevel: 'silent' });
      created.on('tokenWillExpire', async () => {
        const next = await voiceTokenAction(deviceFrom.current);
        if (next.ok) created.updateToken(next.data.token);
      });
      created.on('registering', () => setRegistration({ state: 'registering' }));
      created.on('registered', () => setRegistration({ state: 'on' }));
      created.on('unregistered', () => setRegistration((r) => (r.state === 'error' ? r : { state: 'off' })));
      created.on('error', (e: unknown, about?: VoiceCall) => {
        // A call's own errors arrive on the call too (follow()); this is the signalling.
        if (about) return;
        if (placing.current) {
          // The call being placed cannot reach Twilio: say so now rather than at the timeout.
          setError(describeCallError(e));
          placing.current = false;
          setActive(null);
          return;
        }
        if (created.state !== 'registered') setRegistration({ state: 'error', message: describeRegistrationError(e) });
      });
      created.on('incoming', (ringing: VoiceCall) => {
        offered.current = ringing;
        const number = ringing.parameters.From ?? '';
        setIncoming({ caller: bareCaller(number), problem: null });
        resolveCaller(number, (caller) =>
          setIncoming((shown) => (offered.current === ringing && shown ? { ...shown, caller } : shown)),
        );
        // Answered in another browser, hung up by the caller, or declined here: the banner goes.
        const gone = () => {
          if (offered.current !== ringing) return;
          offered.current = null;
          setIncoming(null);
        };
        ringing.on('cancel', gone);
        ringing.on('disconnect', gone);
        ringing.on('reject', gone);
      });
      device.current = created;
      deviceFrom.current = connectionId;
      return created;
    },
    [resolveCaller],
  );

  /** The device, built on first use; with another From, the same device gets that number's token. */
  const deviceFor = useCallback(
    async (connectionId: string | undefined, swap: boolean): Promise<Device | string> => {
      if (creating.current) await creating.current;
      const current = device.current;
      if (current) {
        if (!swap || deviceFrom.current === connectionId) return current;
        const swapped = await voiceTokenAction(connectionId);
        if (!swapped.ok) return swapped.error;
        current.updateToken(swapped.data.token);
        deviceFrom.current = connectionId;
        return current;
      }
      creating.current = build(connectionId);
      try {
        return await creating.current;
      } finally {
        creating.current = null;
      }
    },
    [build],
  );

  // Ring here: register on every page while wanted; stop when this browser is told not to ring.
  useEffect(() => {
    if (!available || !ringHere) {
      const current = device.current;
      if (current && !call.current) {
        // Not ringing here and no call: the device (and its connection to Twilio) goes.
        current.destroy();
        device.current = null;
      } else if (current?.state === 'registered') void current.unregister().catch(() => undefined);
      setRegistration({ state: 'off' });
      return;
    }
    let cancelled = false;
    void (async () => {
      setRegistration({ state: 'registering' });
      const ready = await deviceFor(undefined, false);
      if (cancelled) return;
      if (typeof ready === 'string') {
        setRegistration({ state: 'error', message: ready });
        return;
      }
      if (ready.state !== 'unregistered') return;
      try {
        await ready.register();
      } catch (e) {
        if (!cancelled) setRegistration({ state: 'error', message: describeRegistrationError(e) });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [available, ringHere, generation, deviceFor]);

  // The shell unmounts on sign-out: the device goes with it.
  useEffect(
    () => () => {
      call.current?.disconnect();
      device.current?.destroy();
      device.current = null;
    },
    [],
  );

  const place = useCallback(
    async (to: string, connectionId?: string) => {
      setError(null);
      placing.current = true;
      setActive({
        direction: 'outbound',
        caller: bareCaller(to),
        phase: 'connecting',
        since: null,
        muted: false,
        digits: '',
      });
      // The token first (the browser runs server actions one at a time): the name can follow.
      const pending = deviceFor(connectionId, true);
      resolveCaller(to, (caller) => setActive((a) => (a && a.caller.number === to ? { ...a, caller } : a)));
      const ready = await pending;
      if (typeof ready === 'string') {
        placing.current = false;
        setActive(null);
        setError(ready);
        return;
      }
      let timeout: ReturnType<typeof setTimeout> | undefined;
      try {
        const started = await Promise.race([
          ready.connect({ params: { To: to } }),
          new Promise<never>((_, reject) => {
            timeout = setTimeout(
              () => reject({ message: 'Twilio did not answer within 20 seconds' }),
              CONNECT_TIMEOUT_MS,
            );
          }),
        ]);
        clearTimeout(timeout);
        if (!placing.current) {
          // The signalling failed meanwhile (already said): this call goes no further.
          started.disconnect();
          return;
        }
        placing.current = false;
        setActive((a) => a && { ...a, phase: 'ringing' });
        follow(started);
      } catch (e) {
        clearTimeout(timeout);
        if (placing.current) setError(describeCallError(e));
        placing.current = false;
        setActive(null);
        // A device that could not reach Twilio is rebuilt (and registered again) for the next try.
        if (ready.state !== 'registered') discard();
      }
    },
    [deviceFor, discard, follow, resolveCaller],
  );

  const answer = useCallback(async () => {
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

  const decline = useCallback(() => {
    // Only this browser's leg: Twilio keeps ringing the others, then takes a voicemail.
    offered.current?.reject();
    offered.current = null;
    setIncoming(null);
  }, []);

  const hangUp = useCallback(() => {
    if (call.current) call.current.disconnect();
    else placing.current = false;
    ended();
  }, [ended]);

  const setMuted = useCallback((muted: boolean) => {
    call.current?.mute(muted);
    setActive((a) => a && { ...a, muted });
  }, []);

  const sendDigit = useCallback((key: string) => {
    if (!call.current) return;
    call.current.sendDigits(key);
    setActive((a) => a && { ...a, digits: (a.digits + key).slice(-24) });
  }, []);

  const value = useMemo<Voice>(
    () => ({
      available,
      ringHere,
      setRingHere,
      registration,
      incoming,
      active,
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
      ringHere,
      setRingHere,
      registration,
      incoming,
      active,
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
