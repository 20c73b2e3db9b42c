import { normalizePhone } from '@made-open/shared';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { LRUCache } from 'lru-cache';

/**
 * Phone numbers, found however they are typed. The index stores, for each number, its
 * E.164 digits, its national significant number, its national format with trunk prefix,
 * and (NANP) the 7-digit local number; a query typed as a phone number looks up its raw
 * digits (as a prefix) plus its E.164 and national forms. Normalisation is the shared
 * helper's (packages/shared normalizePhone), so search agrees with the graph.
 */
export function phoneIndexForms(phone: string): readonly string[] {
  // Longer text is no number (normalizePhone refuses it): not kept, so it cannot crowd the cache.
  return phone.length > 64 ? indexFormsOf(phone) : indexForms.memo(phone);
}

// Every indexed message carries its sender's and recipient's numbers: the same few recur.
const indexForms = new LRUCache<string, readonly string[]>({
  max: 4096,
  memoMethod: (phone) => Object.freeze(indexFormsOf(phone)),
});

function indexFormsOf(phone: string): string[] {
  const e164 = normalizePhone(phone) ?? normalizePhone(phone, { defaultCountry: 'US' });
  const parsed = e164 ? parsePhoneNumberFromString(e164) : undefined;
  if (!parsed) {
    const digits = phone.replace(/\D/g, '');
    return digits.length >= 3 ? [digits] : [];
  }
  const forms = new Set<string>([
    parsed.number.replace(/\D/g, ''),
    String(parsed.nationalNumber),
    parsed.formatNational().replace(/\D/g, ''),
  ]);
  if (parsed.countryCallingCode === '1' && parsed.nationalNumber.length === 10)
    forms.add(parsed.nationalNumber.slice(3));
  return [...forms];
}

/** Digit forms to look up for what a user typed as a phone number. */
export function phoneQueryForms(typed: string): string[] {
  const forms = new Set<string>();
  const trimmed = typed.trim();
  let digits = trimmed.replace(/\D/g, '');
  if (trimmed.startsWith('00')) digits = digits.slice(2);
  if (digits) forms.add(digits);
  // national format with a trunk 0 (020 7946 0958): the national number without it
  if (/^0[1-9]/.test(digits)) forms.add(digits.slice(1));
  const e164 =
    normalizePhone(trimmed) ?? (trimmed.startsWith('+') ? null : normalizePhone(trimmed, { defaultCountry: 'US' }));
  const parsed = e164 ? parsePhoneNumberFromString(e164) : undefined;
  if (parsed) {
    forms.add(parsed.number.replace(/\D/g, ''));
    forms.add(String(parsed.nationalNumber));
  }
  return [...forms];
}
