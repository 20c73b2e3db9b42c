/**
 * Copied text that looks like a credential is never sent. What a password manager copies cannot
 * be told from ordinary text (its hint target is checked elsewhere); these are the shapes that
 * can: keys and tokens with known prefixes, JWTs, private keys, long random-looking base64 or hex
 * strings, and card numbers that pass the Luhn check. Returns what it looked like, or null.
 */
export function secretKind(text: string): string | null {
  for (const [kind, pattern] of prefixed) if (pattern.test(text)) return kind;
  for (const match of text.matchAll(/\b[sr]k[-_][A-Za-z0-9_-]{16,}/g)) {
    if (/\d/.test(match[0])) return 'API key (sk-…)';
  }
  for (const match of text.matchAll(/[0-9A-Fa-f]{32,}/g)) {
    if (/\d/.test(match[0]) && /[A-Fa-f]/.test(match[0])) return 'long hex token';
  }
  for (const match of text.matchAll(/[A-Za-z0-9+/_-]{32,}={0,2}/g)) {
    const token = match[0].replace(/=+$/, '');
    if (/[A-Z]/.test(token) && /[a-z]/.test(token) && /\d/.test(token) && classChanges(token) >= 0.42) {
      return 'long base64 token';
    }
  }
  for (const match of text.matchAll(/(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) return 'card number';
  }
  return null;
}

const prefixed: Array<[string, RegExp]> = [
  ['private key', /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/],
  ['AWS access key', /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['JWT', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
  ['GitHub token', /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/],
  ['Slack token', /\bxox[abprs]-[A-Za-z0-9-]{10,}/],
  ['Google API key', /\bAIza[0-9A-Za-z_-]{35}/],
];

/**
 * How often the next character is of another class (upper, lower, digit, other): about 0.65 for
 * random base64, below 0.4 for identifiers, paths and URLs, whose words run on in one class.
 */
function classChanges(token: string): number {
  const kind = (c: string) => (/[A-Z]/.test(c) ? 0 : /[a-z]/.test(c) ? 1 : /\d/.test(c) ? 2 : 3);
  let changes = 0;
  for (let i = 1; i < token.length; i++) if (kind(token[i]!) !== kind(token[i - 1]!)) changes++;
  return changes / (token.length - 1);
}

/** The Luhn checksum card numbers carry. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
