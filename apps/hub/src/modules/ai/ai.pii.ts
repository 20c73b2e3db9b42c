import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js';

/**
 * Finds personal data in free text: emails, phone numbers (libphonenumber, in the owner's
 * default region), payment card numbers (Luhn), IBANs (ISO 13616 mod-97) and street addresses
 * (a heuristic: number + street words + a street suffix, or "Name-straße 12"). Any text can hold
 * them, so a note is normal but the PII in it counts as sensitive for routing.
 */
export type PiiKind = 'email' | 'phone' | 'card' | 'iban' | 'address';

export const piiKinds: readonly PiiKind[] = ['email', 'phone', 'card', 'iban', 'address'];

export interface PiiSpan {
  kind: PiiKind;
  start: number;
  end: number;
  value: string;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}/g;
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;
const STREET_SUFFIX =
  'Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Square|Sq|Parkway|Pkwy|Highway|Hwy|Close|Crescent|Gardens|Row|Mews';
const ADDRESS_EN = new RegExp(
  `\\b\\d{1,5}[A-Za-z]?,?\\s+(?:[A-Z][A-Za-z'.-]*\\s+){0,3}(?:${STREET_SUFFIX})\\b\\.?`,
  'g',
);
const ADDRESS_DE = /\b[A-ZÄÖÜ][a-zäöüß-]+(?:straße|strasse|weg|gasse|platz|allee|ring|damm)\s+\d{1,4}[a-z]?\b/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function ibanValid(raw: string): boolean {
  const iban = raw.replace(/ /g, '');
  if (iban.length < 15 || iban.length > 34) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of moved) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

function matches(text: string, pattern: RegExp, kind: PiiKind, keep: (value: string) => boolean = () => true) {
  const found: PiiSpan[] = [];
  for (const match of text.matchAll(pattern)) {
    const value = match[0].replace(/[\s.,]+$/, '');
    if (keep(value)) found.push({ kind, start: match.index, end: match.index + value.length, value });
  }
  return found;
}

/** Every PII span in `text`, in order, never overlapping (the first detector to claim a span keeps it). */
export function detectPii(text: string, region?: string): PiiSpan[] {
  const candidates: PiiSpan[] = [
    ...matches(text, EMAIL, 'email'),
    ...matches(text, IBAN, 'iban', ibanValid),
    ...matches(text, CARD, 'card', (value) => {
      const digits = value.replace(/\D/g, '');
      return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
    }),
    ...matches(text, ADDRESS_EN, 'address'),
    ...matches(text, ADDRESS_DE, 'address'),
  ];
  for (const found of findPhoneNumbersInText(text, region ? { defaultCountry: region as CountryCode } : undefined))
    candidates.push({
      kind: 'phone',
      start: found.startsAt,
      end: found.endsAt,
      value: text.slice(found.startsAt, found.endsAt),
    });
  // Earlier detectors win overlaps (a card number is not also a phone number).
  const kept: PiiSpan[] = [];
  for (const span of candidates) if (!kept.some((k) => span.start < k.end && k.start < span.end)) kept.push(span);
  return kept.sort((a, b) => a.start - b.start);
}
