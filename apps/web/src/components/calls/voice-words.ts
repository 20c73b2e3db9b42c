/** The words the calling UI shows for what the Voice SDK and the browser report. */
import type { Registration } from './voice-context';

/** E.164 from what was typed: +, digits; spaces, dots, dashes and brackets dropped. */
export function toE164(typed: string): string | null {
  const compact = typed.replace(/[\s().-]/g, '');
  return /^\+[1-9][0-9]{6,14}$/.test(compact) ? compact : null;
}

type SdkError = { code?: number; name?: string; message?: string; explanation?: string } | undefined;

/** The SDK's microphone errors (UserMediaErrors): 31401 refused, 31402 could not be opened. */
const MICROPHONE_CODES = new Set([31401, 31402]);

export const MICROPHONE_BLOCKED =
  'Your browser blocked the microphone, so the call cannot be answered here. Allow the microphone for this site (the icon in the address bar), then try again.';

/** The SDK's explanation without its closing full stop (the sentence goes on after it). */
const detailOf = (e: SdkError) => (e?.explanation || e?.message || 'no answer').trim().replace(/\.+$/, '');

/** What went wrong with a call, in words: the SDK's TwilioError carries a code and an explanation. */
export function describeCallError(error: unknown): string {
  const e = error as SdkError;
  if (e?.code !== undefined && MICROPHONE_CODES.has(e.code)) return MICROPHONE_BLOCKED;
  return `Could not reach Twilio to place the call${e?.code ? ` (error ${e.code})` : ''}: ${detailOf(e)}. Check this device's internet connection and try again.`;
}

/** The SDK's token errors (AuthorizationErrors): the hub's token was refused, not the network. */
const TOKEN_CODES = new Set([20101, 31201, 31204, 31205]);

/**
 * Why this browser is not ringing for incoming calls. The SDK's explanations speak of "the
 * call", which is confusing when none is under way: only the code is kept, except for a refused token.
 */
export function describeRegistrationError(error: unknown): string {
  const e = error as SdkError;
  const code = e?.code ? ` (error ${e.code})` : '';
  if (e?.code !== undefined && TOKEN_CODES.has(e.code))
    return `Twilio refused this browser's sign-in${code}: ${detailOf(e)}. Reload the page to try again; if it goes on, check the Twilio connection in Settings.`;
  return `This browser could not connect to Twilio to ring for your calls${code}. Check this device's internet connection; if it goes on, reload the page.`;
}

/** A getUserMedia failure (a DOMException) in words, for answering a call. */
export function describeMicrophoneError(error: unknown): string {
  const name = (error as { name?: string } | undefined)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return MICROPHONE_BLOCKED;
  if (name === 'NotFoundError' || name === 'OverconstrainedError')
    return 'No microphone was found on this device: connect one, then try again.';
  if (name === 'NotReadableError')
    return 'The microphone is in use by another app or could not be started: close that app, then try again.';
  return 'The browser could not open the microphone, so the call cannot be answered here.';
}

/**
 * Asks for the microphone before answering, so a refusal is said in words and the call keeps
 * ringing (answering without one would connect a silent call). Undefined when it is available.
 */
export async function microphoneProblem(): Promise<string | undefined> {
  if (!navigator.mediaDevices?.getUserMedia)
    return 'This page is not on a secure (https) address, so the browser offers no microphone to answer with.';
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    // Only the permission was wanted: the SDK opens its own stream when it accepts.
    for (const track of stream.getTracks()) track.stop();
    return undefined;
  } catch (error) {
    return describeMicrophoneError(error);
  }
}

/** One Twilio account's part in ringing this browser: its numbers and how its registration is going. */
export interface AccountRinging {
  numbers: string[];
  registration: Registration;
}

/**
 * The browser's ringing status over all the person's Twilio accounts: on once every account
 * rings; with one account failing among several, which numbers ring and which do not, and why.
 */
export function ringingSummary(accounts: readonly AccountRinging[]): Registration {
  if (accounts.length === 0) return { state: 'off' };
  const failed = accounts.filter((a) => a.registration.state === 'error');
  if (failed.length === 0)
    return accounts.every((a) => a.registration.state === 'on') ? { state: 'on' } : { state: 'registering' };
  if (accounts.length === 1) return failed[0]!.registration;
  const working = accounts.filter((a) => a.registration.state === 'on').flatMap((a) => a.numbers);
  const reasons = failed.map((a) => {
    const message = a.registration.state === 'error' ? a.registration.message : '';
    return a.numbers.length > 0 ? `Calls to ${a.numbers.join(', ')} do not ring here: ${message}` : message;
  });
  return {
    state: 'error',
    message: [working.length > 0 ? `This browser rings for calls to ${working.join(', ')}.` : '', ...reasons]
      .filter(Boolean)
      .join(' '),
  };
}
