import { formatPhone, type CountryCode } from '@made-open/shared/entities';

const e164 = /^\+[1-9][0-9]{6,14}$/;

/**
 * A stored E.164 number as a reader writes it: nationally for their default region,
 * internationally grouped otherwise ("+14155550142" -> "(415) 555-0142" in the US, "+1 415 555
 * 0142" elsewhere). Anything that is not exactly an E.164 number (a name) is returned as is.
 */
export function readablePhone(value: string, region?: string | null): string {
  return e164.test(value) ? formatPhone(value, (region ?? undefined) as CountryCode | undefined) : value;
}
