import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * The digit forms the index stores for one phone number, so that it is found however it
 * is typed: E.164 digits, national significant number, national format with trunk prefix,
 * and (for NANP numbers) the 7-digit local number.
 */
export function phoneIndexForms(phone: string, defaultCountry: CountryCode = 'US'): string[] {
  const parsed = parsePhoneNumberFromString(phone, defaultCountry);
  if (!parsed) {
    const digits = phone.replace(/\D/g, '');
    return digits.length >= 3 ? [digits] : [];
  }
  const forms = new Set<string>([
    parsed.number.replace(/\D/g, ''),
    String(parsed.nationalNumber),
    parsed.formatNational().replace(/\D/g, ''),
  ]);
  if (parsed.countryCallingCode === '1' && parsed.nationalNumber.length === 10) forms.add(parsed.nationalNumber.slice(3));
  return [...forms];
}

/** Digit forms to look up for what a user typed as a phone number. */
export function phoneQueryForms(typed: string, defaultCountry: CountryCode = 'US'): string[] {
  const forms = new Set<string>();
  let digits = typed.replace(/\D/g, '');
  if (typed.trim().startsWith('00')) digits = digits.slice(2);
  if (digits) forms.add(digits);
  const parsed = parsePhoneNumberFromString(typed.trim().replace(/^00/, '+'), defaultCountry);
  if (parsed?.isPossible()) {
    forms.add(parsed.number.replace(/\D/g, ''));
    forms.add(String(parsed.nationalNumber));
  }
  return [...forms];
}
