/**
 * Twilio error codes a person can act on (integrations.md §1.4), in words that say what to do.
 * Codes not listed keep Twilio's own message.
 */
const a2p =
  'US carriers block texts from numbers not registered for A2P 10DLC. Register the number (brand and campaign) in the Twilio Console, or use a verified toll-free number; person-to-person use may not be registrable (error 30533).';

export const twilioErrorAdvice: Readonly<Record<number, string>> = {
  21211: 'That is not a valid phone number: check it and include the country code (like +1 415 555 0100).',
  21608:
    'This is a Twilio trial account: it can only text numbers verified in the Twilio Console. Verify this number there or upgrade the account.',
  21610: 'This person replied STOP to your number: they must text START to it before you can text them again.',
  30003: 'The phone is unreachable (switched off or out of coverage). Try again later.',
  30004: 'The message was blocked: the recipient blocks your number or cannot receive texts.',
  30005: 'That number is unknown to its carrier: it may no longer exist. Check it with the person.',
  30006: 'That number is a landline or cannot receive texts: call it instead.',
  30007:
    'The carrier filtered this message as spam. Rephrase it, and register your number for A2P 10DLC if it is a US number.',
  30032:
    'Your toll-free number is not verified: US carriers block texts from unverified toll-free numbers. Submit toll-free verification for it in the Twilio Console and text again once it is approved.',
  30034: a2p,
  30532: a2p,
  30533: a2p,
};

export function twilioErrorMessage(code: number | undefined, fallback: string): string {
  return (code !== undefined && twilioErrorAdvice[code]) || `Twilio refused the message: ${fallback}`;
}

/** US toll-free numbers: +1 800, 833, 844, 855, 866, 877, 888. */
const tollFree = /^\+1(800|833|844|855|866|877|888)[0-9]{7}$/;

/**
 * What a +1 number needs before US carriers deliver its texts: toll-free numbers need
 * toll-free verification (error 30032 until then), other +1 long codes A2P 10DLC registration
 * (errors 30034, 30533). Twilio applies 10DLC to all +1 long codes it classes US (Canada's too).
 */
export function a2pWarningFor(phoneNumber: string): string | null {
  if (tollFree.test(phoneNumber))
    return 'US toll-free numbers need toll-free verification (not A2P 10DLC) before US carriers deliver their texts (error 30032): submit it for this number in the Twilio Console; person-to-person use may not be accepted (error 30533).';
  return phoneNumber.startsWith('+1')
    ? 'US long-code numbers need A2P 10DLC registration before US carriers deliver their texts (errors 30034, 30533): register a brand and campaign in the Twilio Console; person-to-person use may not be registrable.'
    : null;
}
