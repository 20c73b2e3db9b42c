import { describe, expect, it } from 'vitest';
import { readRingHere, RING_HERE_KEY } from './ring-preference';
import {
  describeCallError,
  describeMicrophoneError,
  describeRegistrationError,
  MICROPHONE_BLOCKED,
  ringingSummary,
  toE164,
} from './voice-words';

describe('calling words', () => {
  it('reads a typed number as E.164 or refuses it', () => {
    expect(toE164('+1 (415) 555-0100')).toBe('+14155550100');
    expect(toE164('415 555 0100')).toBeNull();
  });

  it('says a refused microphone as such, and other failures with their code', () => {
    expect(describeCallError({ code: 31401, message: 'Permission denied' })).toBe(MICROPHONE_BLOCKED);
    expect(describeMicrophoneError(new DOMException('no', 'NotAllowedError'))).toBe(MICROPHONE_BLOCKED);
    expect(describeMicrophoneError(new DOMException('no', 'NotFoundError'))).toMatch(/No microphone/);
    expect(describeCallError({ code: 31000, explanation: 'An unknown error has occurred. See error details.' })).toBe(
      "Could not reach Twilio to place the call (error 31000): An unknown error has occurred. See error details. Check this device's internet connection and try again.",
    );
  });

  it('says why this browser does not ring without speaking of a call', () => {
    expect(
      describeRegistrationError({ code: 31005, explanation: 'A connection error occurred during the call.' }),
    ).toBe(
      "This browser could not connect to Twilio to ring for your calls (error 31005). Check this device's internet connection; if it goes on, reload the page.",
    );
    expect(describeRegistrationError({ code: 20101, explanation: 'Invalid Access Token.' })).toMatch(
      /^Twilio refused this browser's sign-in \(error 20101\): Invalid Access Token\. Reload/,
    );
  });

  it('rings here unless this browser said not to', () => {
    const storage = new Map<string, string>();
    const store = { getItem: (key: string) => storage.get(key) ?? null };
    expect(readRingHere(store)).toBe(true);
    storage.set(RING_HERE_KEY, 'off');
    expect(readRingHere(store)).toBe(false);
    expect(
      readRingHere({
        getItem: () => {
          throw new Error('denied');
        },
      }),
    ).toBe(true);
  });

  it('sums up ringing over several Twilio accounts, naming the numbers that do not ring and why', () => {
    const on = { state: 'on' } as const;
    const failed = { state: 'error', message: 'Twilio refused this browser’s sign-in.' } as const;
    expect(ringingSummary([])).toEqual({ state: 'off' });
    expect(ringingSummary([{ numbers: ['+1 415 555 0100'], registration: on }])).toEqual(on);
    expect(
      ringingSummary([
        { numbers: ['+1 415 555 0100'], registration: on },
        { numbers: ['+1 415 555 0200'], registration: { state: 'registering' } },
      ]),
    ).toEqual({ state: 'registering' });
    // One account alone: its own words.
    expect(ringingSummary([{ numbers: ['+1 415 555 0100'], registration: failed }])).toEqual(failed);
    expect(
      ringingSummary([
        { numbers: ['+1 415 555 0100', '+1 415 555 0101'], registration: on },
        { numbers: ['+1 415 555 0200'], registration: failed },
      ]),
    ).toEqual({
      state: 'error',
      message:
        'This browser rings for calls to +1 415 555 0100, +1 415 555 0101. Calls to +1 415 555 0200 do not ring here: Twilio refused this browser’s sign-in.',
    });
  });
});
