'use client';
import type { Call as VoiceCall, Device } from '@twilio/voice-sdk';
import { Grid3x3, Mic, MicOff, Phone, PhoneOff, Search } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import { FromPicker } from '@/components/ui/from-picker';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { voiceTokenAction } from '@/lib/actions/calls';
import { chosenSender, type Sender } from '@/lib/messages/senders';
import { cn } from '@/lib/utils';
import { formatDuration } from './format';

export interface DialerContact {
  id: string;
  name: string;
  phones: string[];
}

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;
const KEY_LETTERS: Record<string, string> = {
  '2': 'ABC',
  '3': 'DEF',
  '4': 'GHI',
  '5': 'JKL',
  '6': 'MNO',
  '7': 'PQRS',
  '8': 'TUV',
  '9': 'WXYZ',
};
/** How long the browser waits for Twilio to start the call before saying it could not. */
const CONNECT_TIMEOUT_MS = 20_000;

type Phase =
  | { kind: 'idle' }
  | { kind: 'connecting' }
  | { kind: 'ringing' }
  | { kind: 'in-call'; since: number }
  | { kind: 'error'; message: string };

/** What went wrong, in words: the SDK's TwilioError carries a code and an explanation. */
function describe(error: unknown): string {
  const e = error as { code?: number; message?: string; explanation?: string } | undefined;
  const detail = e?.explanation || e?.message || 'no answer';
  return `Could not reach Twilio to place the call${e?.code ? ` (error ${e.code})` : ''}: ${detail}. Check this device's internet connection and try again.`;
}

/** E.164 from what was typed: +, digits; spaces, dots, dashes and brackets dropped. */
function toE164(typed: string): string | null {
  const compact = typed.replace(/[\s().-]/g, '');
  return /^\+[1-9][0-9]{6,14}$/.test(compact) ? compact : null;
}

/**
 * The dialer: a number (typed, from the keypad or a contact), the call through
 * @twilio/voice-sdk with a token from the hub (refreshed on tokenWillExpire), and the in-call
 * controls: mute, keypad (DTMF), hang up and a timer.
 */
export function Dialer({
  contacts,
  initialTo,
  senders = [],
}: {
  contacts: DialerContact[];
  initialTo: string;
  /** Your Twilio numbers: with several, "From" says which one a call goes out from. */
  senders?: Sender[];
}) {
  const router = useRouter();
  const [number, setNumber] = useState(initialTo);
  const [query, setQuery] = useState('');
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [muted, setMuted] = useState(false);
  const [showKeys, setShowKeys] = useState(false);
  const [digits, setDigits] = useState('');
  const [now, setNow] = useState(() => Date.now());
  const [numberError, setNumberError] = useState<string | null>(null);
  /** Incoming calls: whether this browser is registered to ring, and the call ringing now. */
  const [listening, setListening] = useState<'off' | 'starting' | 'on'>('off');
  const [offered, setOffered] = useState<VoiceCall | null>(null);
  const [from, setFrom] = useState<string>();
  const connectionId = chosenSender(senders, from);
  const device = useRef<Device | null>(null);
  /** The number the device's token calls from (its token is swapped when From changes). */
  const deviceFrom = useRef<string | undefined>(undefined);
  const call = useRef<VoiceCall | null>(null);
  const ids = { number: useId(), search: useId(), numberError: useId(), results: useId() };

  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const digitsOf = (text: string) => text.replace(/\D/g, '');
    const wanted = digitsOf(q);
    return contacts
      .filter(
        (c) =>
          c.name.toLowerCase().includes(q) ||
          (wanted.length >= 3 && c.phones.some((phone) => digitsOf(phone).includes(wanted))),
      )
      .slice(0, 6);
  }, [contacts, query]);

  useEffect(() => {
    if (phase.kind !== 'in-call') return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [phase.kind]);

  useEffect(
    () => () => {
      call.current?.disconnect();
      device.current?.destroy();
    },
    [],
  );

  function ended() {
    call.current = null;
    setMuted(false);
    setShowKeys(false);
    setDigits('');
    setPhase({ kind: 'idle' });
    router.refresh(); // the call is in the history now
  }

  async function ensureDevice(): Promise<Device | string> {
    if (device.current) {
      if (deviceFrom.current === connectionId) return device.current;
      // Another number chosen under From: the same device (still ringing for incoming calls)
      // places its next call with that number's token.
      const swapped = await voiceTokenAction(connectionId);
      if (!swapped.ok) return swapped.error;
      device.current.updateToken(swapped.data.token);
      deviceFrom.current = connectionId;
      return device.current;
    }
    const token = await voiceTokenAction(connectionId);
    if (!token.ok) return token.error;
    const { Device } = await import('@twilio/voice-sdk');
    const created = new Device(token.data.token, { closeProtection: true, logLevel: 'silent' });
    created.on('tokenWillExpire', async () => {
      const next = await voiceTokenAction(deviceFrom.current);
      if (next.ok) created.updateToken(next.data.token);
    });
    created.on('error', (error: unknown) => {
      setPhase({ kind: 'error', message: describe(error) });
      call.current = null;
    });
    created.on('registered', () => setListening('on'));
    created.on('unregistered', () => setListening('off'));
    created.on('incoming', (incoming: VoiceCall) => {
      setOffered(incoming);
      const gone = () => setOffered((current) => (current === incoming ? null : current));
      incoming.on('cancel', gone);
      incoming.on('disconnect', gone);
      incoming.on('reject', gone);
    });
    device.current = created;
    deviceFrom.current = connectionId;
    return created;
  }

  async function place() {
    const to = toE164(number);
    if (!to) {
      setNumberError('Enter the number with its country code, like +1 415 555 0100.');
      return;
    }
    setNumberError(null);
    setPhase({ kind: 'connecting' });
    const ready = await ensureDevice();
    if (typeof ready === 'string') {
      setPhase({ kind: 'error', message: ready });
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
      setPhase({ kind: 'ringing' });
      follow(started);
    } catch (error) {
      clearTimeout(timeout);
      // A device that could not reach Twilio is rebuilt on the next try.
      device.current?.destroy();
      device.current = null;
      setPhase({ kind: 'error', message: describe(error) });
    }
  }

  function follow(current: VoiceCall) {
    call.current = current;
    current.on('accept', () => setPhase({ kind: 'in-call', since: Date.now() }));
    current.on('disconnect', ended);
    current.on('cancel', ended);
    current.on('reject', ended);
    current.on('error', (error: unknown) => setPhase({ kind: 'error', message: describe(error) }));
  }

  /** Registers this browser for the user's incoming calls (every registered browser rings). */
  async function listen() {
    setListening('starting');
    const ready = await ensureDevice();
    if (typeof ready === 'string') {
      setListening('off');
      setPhase({ kind: 'error', message: ready });
      return;
    }
    try {
      await ready.register();
    } catch (error) {
      setListening('off');
      setPhase({ kind: 'error', message: describe(error) });
    }
  }

  function answer() {
    if (!offered) return;
    setNumber(offered.parameters.From ?? '');
    follow(offered);
    offered.accept();
    setPhase({ kind: 'in-call', since: Date.now() });
    setOffered(null);
  }

  function decline() {
    offered?.reject();
    setOffered(null);
  }

  function hangUp() {
    call.current?.disconnect();
    ended();
  }

  function press(key: string) {
    if (call.current && phase.kind === 'in-call') {
      call.current.sendDigits(key);
      setDigits((d) => (d + key).slice(-24));
    } else setNumber((n) => n + key);
  }

  const busy = phase.kind === 'connecting' || phase.kind === 'ringing' || phase.kind === 'in-call';
  const status =
    phase.kind === 'connecting'
      ? `Connecting to ${number}…`
      : phase.kind === 'ringing'
        ? `Ringing ${number}…`
        : phase.kind === 'in-call'
          ? `On a call with ${number}`
          : '';

  const keypad = (
    <div className="grid grid-cols-3 gap-2" role="group" aria-label={busy ? 'Keypad (sends tones)' : 'Keypad'}>
      {KEYS.map((key) => (
        <Button
          key={key}
          variant="outline"
          className="h-14 flex-col gap-0 text-lg"
          onClick={() => press(key)}
          aria-label={key === '*' ? 'star' : key === '#' ? 'pound' : key}
        >
          <span aria-hidden="true">{key}</span>
          <span aria-hidden="true" className="text-[0.65rem] leading-none text-muted-foreground">
            {KEY_LETTERS[key] ?? '\u00a0'}
          </span>
        </Button>
      ))}
    </div>
  );

  return (
    <div className="space-y-5">
      {offered && (
        <div role="alertdialog" aria-label="Incoming call" className="rounded-lg border border-primary p-4">
          <p className="font-medium">Incoming call from {offered.parameters.From ?? 'an unknown number'}</p>
          <div className="mt-3 flex gap-2">
            <Button onClick={answer}>
              <Phone aria-hidden="true" />
              Answer
            </Button>
            <Button variant="outline" onClick={decline}>
              <PhoneOff aria-hidden="true" />
              Decline
            </Button>
          </div>
        </div>
      )}
      <FromPicker
        senders={senders}
        value={connectionId}
        onChange={setFrom}
        disabled={busy}
        hint="You have several Twilio numbers: the call goes out from this one, and the person sees it."
      />
      <div className="space-y-2">
        <Label htmlFor={ids.search}>Search contacts</Label>
        <div className="relative">
          <Search
            className="pointer-events-none absolute left-3 top-3 size-4 text-muted-foreground"
            aria-hidden="true"
          />
          <Input
            id={ids.search}
            type="search"
            className="pl-9"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="Name or number"
            aria-controls={ids.results}
            autoComplete="off"
            disabled={busy}
          />
        </div>
        <ul
          id={ids.results}
          aria-label="Matching contacts"
          className={cn('space-y-1', matches.length === 0 && 'sr-only')}
        >
          {matches.flatMap((contact) =>
            contact.phones.map((phone) => (
              <li key={`${contact.id}-${phone}`}>
                <button
                  type="button"
                  className="flex w-full items-center justify-between gap-2 rounded-md px-3 py-2 text-left text-sm hover:bg-muted focus-visible:ring-2 focus-visible:ring-ring outline-none"
                  onClick={() => {
                    setNumber(phone);
                    setQuery('');
                    setNumberError(null);
                  }}
                >
                  <span className="truncate font-medium">{contact.name}</span>
                  <span className="shrink-0 text-muted-foreground">{phone}</span>
                </button>
              </li>
            )),
          )}
        </ul>
      </div>

      <div className="space-y-2">
        <Label htmlFor={ids.number}>Number to call</Label>
        <Input
          id={ids.number}
          type="tel"
          inputMode="tel"
          autoComplete="tel"
          className="h-12 text-center text-xl tracking-wide"
          value={number}
          onChange={(e) => setNumber(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !busy) void place();
          }}
          placeholder="+1 415 555 0100"
          aria-invalid={numberError ? true : undefined}
          aria-describedby={numberError ? ids.numberError : undefined}
          readOnly={busy}
        />
        {numberError && (
          <p id={ids.numberError} className="text-sm text-destructive">
            {numberError}
          </p>
        )}
      </div>

      <p aria-live="polite" className={cn('text-center text-sm', !status && 'sr-only')}>
        {status}
        {phase.kind === 'in-call' && (
          <>
            {' '}
            <span role="timer" aria-label="Call length" className="font-mono tabular-nums">
              {formatDuration((now - phase.since) / 1000)}
            </span>
          </>
        )}
      </p>

      {phase.kind === 'error' && (
        <div role="alert" className="rounded-md border border-destructive/50 p-3 text-sm">
          <p className="font-medium">The call did not go through.</p>
          <p className="mt-1 text-muted-foreground">{phase.message}</p>
        </div>
      )}

      {(!busy || showKeys) && keypad}
      {busy && digits && (
        <p className="text-center font-mono text-sm" aria-label="Tones sent">
          {digits}
        </p>
      )}

      {busy ? (
        <div className="flex justify-center gap-3">
          <Button
            variant="outline"
            size="lg"
            aria-pressed={muted}
            disabled={phase.kind !== 'in-call'}
            onClick={() => {
              const next = !muted;
              call.current?.mute(next);
              setMuted(next);
            }}
          >
            {muted ? <MicOff aria-hidden="true" /> : <Mic aria-hidden="true" />}
            {muted ? 'Unmute' : 'Mute'}
          </Button>
          <Button
            variant="outline"
            size="lg"
            aria-pressed={showKeys}
            disabled={phase.kind !== 'in-call'}
            onClick={() => setShowKeys((s) => !s)}
          >
            <Grid3x3 aria-hidden="true" />
            Keypad
          </Button>
          <Button variant="destructive" size="lg" onClick={hangUp}>
            <PhoneOff aria-hidden="true" />
            Hang up
          </Button>
        </div>
      ) : (
        <div className="flex justify-center gap-3">
          <Button size="lg" className="min-w-40" onClick={() => void place()}>
            <Phone aria-hidden="true" />
            Call
          </Button>
          {number && (
            <Button
              variant="ghost"
              size="lg"
              onClick={() => setNumber((n) => n.slice(0, -1))}
              aria-label="Delete last digit"
            >
              ⌫
            </Button>
          )}
        </div>
      )}

      {!busy && (
        <div className="border-t border-border pt-4 text-center">
          <Button variant="outline" disabled={listening !== 'off'} onClick={() => void listen()}>
            {listening === 'on'
              ? 'This browser rings for your calls'
              : listening === 'starting'
                ? 'Connecting…'
                : 'Ring this browser for incoming calls'}
          </Button>
        </div>
      )}
    </div>
  );
}
