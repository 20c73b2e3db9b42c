'use client';
import { createContext, useContext } from 'react';
import type { Caller } from '@/lib/calls';

export type { Caller };

/** Whether this tab is registered with Twilio to ring for incoming calls. */
export type Registration =
  { state: 'off' } | { state: 'registering' } | { state: 'on' } | { state: 'error'; message: string };

/** A call ringing in this browser, not yet answered or declined. */
export interface IncomingCall {
  /** Twilio's CallSid: requests relayed between tabs name the call they are about. */
  callSid: string;
  caller: Caller;
  /** It rings in another tab of this browser (the one registered with Twilio); Answer and Decline are relayed there. */
  elsewhere: boolean;
  /** Why Answer did not work (the microphone), shown in the banner while it keeps ringing. */
  problem: string | null;
}

/**
 * The call this tab is on: placed here, or answered here (or, `elsewhere`, held by another tab
 * of this browser: the leader's incoming call, or a call placed there).
 */
export interface ActiveCall {
  /**
   * Twilio's CallSid (an outgoing call placed here has none until Twilio takes it; one held by
   * another tab has that tab's id for it, which relayed presses name).
   */
  callSid: string | null;
  /** The call's sound and microphone are in another tab of this browser; the controls here are relayed to it. */
  elsewhere: boolean;
  direction: 'inbound' | 'outbound';
  caller: Caller;
  phase: 'connecting' | 'ringing' | 'in-call';
  /** When it was answered (ms since the epoch), for the timer. */
  since: number | null;
  muted: boolean;
  /** The tones sent so far (the last 24). */
  digits: string;
}

/**
 * This tab's part in ringing (ring-leadership.ts): `leader` holds the browser's registration,
 * `follower` shows what rings in the leader and relays to it, `alone` registers by itself (no
 * Web Locks in this browser), `off` takes no part (no number).
 */
export type RingRole = 'leader' | 'follower' | 'alone' | 'off';

/** The tab's Twilio Devices (one per Twilio account), as every page sees them (components/calls/voice-provider.tsx). */
export interface Voice {
  /** The user has a Twilio number that takes calls. */
  available: boolean;
  role: RingRole;
  /** This browser's choice to ring for incoming calls (localStorage). */
  ringHere: boolean;
  setRingHere(on: boolean): void;
  registration: Registration;
  incoming: IncomingCall | null;
  active: ActiveCall | null;
  /** The last call that failed, in words. */
  error: string | null;
  dismissError(): void;
  place(to: string, connectionId?: string): Promise<void>;
  answer(): Promise<void>;
  decline(): void;
  hangUp(): void;
  setMuted(muted: boolean): void;
  sendDigit(key: string): void;
}

export const VoiceContext = createContext<Voice | null>(null);

export function useVoice(): Voice {
  const voice = useContext(VoiceContext);
  if (!voice) throw new Error('useVoice() needs the VoiceProvider of the app shell above it.');
  return voice;
}
