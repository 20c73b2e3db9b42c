'use client';
import { Phone, Search } from 'lucide-react';
import { useId, useMemo, useState } from 'react';
import { Button } from '@/components/ui/button';
import { FromPicker } from '@/components/ui/from-picker';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { chosenSender, type Sender } from '@/lib/messages/senders';
import { cn } from '@/lib/utils';
import { CallControls, CallElsewhere, CallStatusLine } from './call-controls';
import { Keypad } from './keypad';
import { RingToggle } from './ring-toggle';
import { useVoice } from './voice-context';
import { toE164 } from './voice-words';

export interface DialerContact {
  id: string;
  name: string;
  phones: string[];
}

/**
 * The dialer: a number (typed, from the keypad or a contact) and the full in-call controls
 * (mute, keypad tones, hang up, timer). The call itself belongs to the shell's VoiceProvider,
 * so it goes on when the person opens another page.
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
  const voice = useVoice();
  const { active } = voice;
  const [number, setNumber] = useState(initialTo);
  const [query, setQuery] = useState('');
  const [showKeys, setShowKeys] = useState(false);
  const [numberError, setNumberError] = useState<string | null>(null);
  const [from, setFrom] = useState<string>();
  const connectionId = chosenSender(senders, from);
  const ids = { number: useId(), search: useId(), numberError: useId(), results: useId() };
  const busy = active !== null;

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

  function place() {
    const to = toE164(number);
    if (!to) {
      setNumberError('Enter the number with its country code, like +1 415 555 0100.');
      return;
    }
    setNumberError(null);
    void voice.place(to, connectionId);
  }

  function press(key: string) {
    if (active?.phase === 'in-call') voice.sendDigit(key);
    else setNumber((n) => n + key);
  }

  return (
    <div className="space-y-5">
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
          value={active ? active.caller.label : number}
          onChange={(e) => setNumber(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !busy) place();
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

      {active ? (
        <div>
          {active.elsewhere && (
            <p className="mb-1 text-center text-sm font-medium">
              A call is in progress in another tab of this browser. Hang it up here to place another.
            </p>
          )}
          <CallStatusLine active={active} className="text-center text-sm" />
          <CallElsewhere active={active} className="text-center" />
        </div>
      ) : (
        <p aria-live="polite" className="sr-only" />
      )}

      {voice.error && (
        <div role="alert" className="rounded-md border border-destructive/50 p-3 text-sm">
          <p className="font-medium">The call did not go through.</p>
          <p className="mt-1 text-muted-foreground">{voice.error}</p>
        </div>
      )}

      {(!busy || showKeys) && <Keypad label={busy ? 'Keypad (sends tones)' : 'Keypad'} onPress={press} />}
      {busy && active.digits && (
        <p className="text-center font-mono text-sm" aria-label="Tones sent">
          {active.digits}
        </p>
      )}

      {busy ? (
        <CallControls
          active={active}
          showKeys={showKeys}
          onToggleKeys={() => setShowKeys((s) => !s)}
          onMute={voice.setMuted}
          onHangUp={() => {
            setShowKeys(false);
            voice.hangUp();
          }}
        />
      ) : (
        <div className="flex justify-center gap-3">
          <Button size="lg" className="min-w-40" onClick={place}>
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

      <RingToggle />
    </div>
  );
}
