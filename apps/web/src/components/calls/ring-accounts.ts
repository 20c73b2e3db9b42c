'use client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ringTokensAction } from '@/lib/actions/calls';
import type { Registration } from './voice-context';
import type { DevicePool } from './voice-devices';
import { describeRegistrationError, ringingSummary, type AccountRinging } from './voice-words';

/** The ringing tab reads the person's Twilio accounts again this often (a backstop: a number connected or disconnected is said at once)… */
const ACCOUNTS_EVERY_MS = 10 * 60_000;
/** …and when someone looks at the app, but not more often than this. */
const ACCOUNTS_AT_MOST_EVERY_MS = 60_000;

/** One Twilio account this tab rings for (or could not: its numbers and why). */
type AccountState = AccountRinging & { account: string };

/**
 * While `rings` (this tab holds the browser's registration): one registered Device per Twilio
 * account the person has numbers on (`ringTokensAction`, lib/voice-accounts.ts). The provider
 * calls `rebuild` the moment a Twilio number is connected or disconnected (the hub's realtime
 * broadcast, or the settings page of this browser over the BroadcastChannel), so a number on
 * another account starts ringing at once; they are also read again every ten minutes and when
 * someone looks at the app (at most once a minute), in case a word was missed. When `rings`
 * ends, the Devices stop ringing (one on a call only unregisters).
 */
export function useRingAccounts(rings: boolean, pool: DevicePool) {
  const [accounts, setAccounts] = useState<AccountState[]>([]);
  /** Bumped to read the accounts again, or when a broken Device was thrown away. */
  const [generation, setGeneration] = useState(0);
  const lastRead = useRef(0);

  /** A Device's registration changed (its events), or registering failed. */
  const update = useCallback((account: string, registration: Registration) => {
    setAccounts((all) =>
      all.map((a) => {
        if (a.account !== account) return a;
        // An error stays said until the next attempt (the SDK reports "unregistered" after it).
        if (registration.state === 'off' && a.registration.state === 'error') return a;
        return { ...a, registration };
      }),
    );
  }, []);

  useEffect(() => {
    if (!rings) {
      pool.quiet();
      setAccounts([]);
      return;
    }
    let cancelled = false;
    void (async () => {
      lastRead.current = Date.now();
      const read = await ringTokensAction();
      if (cancelled) return;
      if (!read.ok) {
        // Devices already ringing go on; otherwise say why nothing rings.
        setAccounts((all) =>
          all.some((a) => a.registration.state === 'on')
            ? all
            : [{ account: '', numbers: [], registration: { state: 'error', message: read.error } }],
        );
        return;
      }
      const { accounts: wanted, problems } = read.data;
      setAccounts((all) => [
        ...wanted.map(({ account, numbers }) => ({
          account,
          numbers,
          registration: all.find((a) => a.account === account)?.registration ?? { state: 'registering' as const },
        })),
        ...problems.map(({ numbers, message }) => ({
          account: `problem:${numbers.join()}`,
          numbers,
          registration: { state: 'error' as const, message },
        })),
      ]);
      // An account the person no longer has numbers on stops ringing.
      pool.quiet(new Set(wanted.map((a) => a.account)));
      await Promise.all(
        wanted.map(async (token) => {
          const entry = await pool.take(token);
          if (cancelled) return;
          const state = entry.device.state;
          if (state === 'registered') update(token.account, { state: 'on' });
          if (state !== 'unregistered') return;
          try {
            await entry.device.register();
          } catch (e) {
            if (!cancelled) update(token.account, { state: 'error', message: describeRegistrationError(e) });
          }
        }),
      );
    })();
    return () => {
      cancelled = true;
    };
  }, [rings, generation, pool, update]);

  /** Reads the accounts again, at most once a minute. */
  const reread = useCallback(() => {
    if (Date.now() - lastRead.current >= ACCOUNTS_AT_MOST_EVERY_MS) setGeneration((g) => g + 1);
  }, []);
  /** Registers again at once (a Device was thrown away). */
  const rebuild = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    if (!rings) return;
    const timer = setInterval(rebuild, ACCOUNTS_EVERY_MS);
    const onVisible = () => {
      if (document.visibilityState === 'visible') reread();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [rings, reread, rebuild]);

  const registration = useMemo<Registration>(
    () => (rings ? ringingSummary(accounts) : { state: 'off' }),
    [rings, accounts],
  );
  return { registration, update, reread, rebuild };
}
