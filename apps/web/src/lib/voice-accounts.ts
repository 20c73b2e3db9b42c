/**
 * Which Twilio accounts a browser must register with to ring for every number the person has
 * (pure: the server action `ringTokensAction` feeds it the connections and the hub's tokens).
 *
 * Twilio scopes a Voice SDK identity to one account: `<Dial><Client>user_…</Client></Dial>` on
 * account B rings only the Devices registered with a token of account B. So one Device per
 * account, not per number: numbers on one account share a Device, and two Devices on one
 * account would ring twice (and count twice against Twilio's registrations per identity).
 */

/** The account a Voice Access Token belongs to: its `sub` claim (Twilio's AccessToken sets it to the Account SID). */
export function accountOfToken(token: string): string | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof json.sub === 'string' && /^AC[0-9a-fA-F]{32}$/.test(json.sub) ? json.sub : null;
  } catch {
    return null;
  }
}

/** A Twilio number that takes calls, as GET /api/v1/connections lists it. */
export interface VoiceConnection {
  id: string;
  credentialId: string;
  /** Its number (E.164). */
  label: string;
}

/** A token to register with, one per Twilio account. */
export interface RingAccount {
  /** The Account SID (or, should a token not say, the credential's id). */
  account: string;
  token: string;
  /** The connection the token was made for (calls placed with it go out from its number). */
  connectionId: string;
  /** The numbers of this account that ring through it. */
  numbers: string[];
}

/** An account this browser cannot ring for, and why (in words). */
export interface RingProblem {
  numbers: string[];
  message: string;
}

export interface RingAccounts {
  accounts: RingAccount[];
  problems: RingProblem[];
}

/** What minting a token for a connection answered: the token, or the hub's refusal (its code and words). */
export type Minted = { ok: true; token: string } | { ok: false; code?: string; error: string };

/**
 * One token per Twilio account. Connections are grouped by credential (a credential is one
 * account) so one token is minted per credential, trying its numbers in order: one connected
 * before calls existed (409 `reconnect_for_voice`) is skipped for the next. Two credentials for
 * the same account (the token's `sub` says) keep the first token only.
 */
export async function ringAccounts(
  connections: readonly VoiceConnection[],
  mint: (connectionId: string) => Promise<Minted>,
): Promise<RingAccounts> {
  const byCredential = new Map<string, VoiceConnection[]>();
  for (const connection of connections) {
    const group = byCredential.get(connection.credentialId) ?? [];
    group.push(connection);
    byCredential.set(connection.credentialId, group);
  }
  const minted = await Promise.all(
    [...byCredential.entries()].map(async ([credentialId, group]) => {
      const skipped: RingProblem[] = [];
      const numbers = group.map((c) => c.label);
      for (const connection of group) {
        const result = await mint(connection.id);
        if (result.ok) return { skipped, credentialId, numbers, connectionId: connection.id, token: result.token };
        if (result.code !== 'reconnect_for_voice') return { skipped, refused: { numbers, message: result.error } };
        // This number does not reach the hub's voice webhooks: said, and the account's next one is tried.
        numbers.splice(numbers.indexOf(connection.label), 1);
        skipped.push({ numbers: [connection.label], message: result.error });
      }
      return { skipped };
    }),
  );
  const accounts: RingAccount[] = [];
  const problems: RingProblem[] = [];
  for (const item of minted) {
    problems.push(...item.skipped);
    if ('refused' in item && item.refused) problems.push(item.refused);
    if (!('token' in item) || !item.token) continue;
    const account = accountOfToken(item.token) ?? item.credentialId;
    const same = accounts.find((a) => a.account === account);
    if (same) same.numbers.push(...item.numbers);
    else accounts.push({ account, token: item.token, connectionId: item.connectionId, numbers: item.numbers });
  }
  return { accounts, problems };
}
