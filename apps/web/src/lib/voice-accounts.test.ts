import { describe, expect, it } from 'vitest';
import { accountOfToken, ringAccounts, type Minted } from './voice-accounts';

const A = `AC${'a'.repeat(32)}`;
const B = `AC${'b'.repeat(32)}`;
/** A token shaped like Twilio's AccessToken (only its payload is read, never its signature). */
const jwt = (sub: string) =>
  ['{"alg":"HS256"}', JSON.stringify({ sub, iss: 'SK1', grants: { identity: 'user_1' } })]
    .map((part) => Buffer.from(part).toString('base64url'))
    .concat('signature')
    .join('.');

describe('accountOfToken', () => {
  it('reads the Account SID from the token, and nothing from anything else', () => {
    expect(accountOfToken(jwt(A))).toBe(A);
    expect(accountOfToken(jwt('not-an-account'))).toBeNull();
    expect(accountOfToken('garbage')).toBeNull();
    expect(accountOfToken('a.!!!.c')).toBeNull();
  });
});

describe('ringAccounts', () => {
  it('one token per account: numbers of one credential share it, two credentials of one account too', async () => {
    const minted: string[] = [];
    const accountOf: Record<string, string> = { c1: A, c2: A, c3: B, c4: A };
    const found = await ringAccounts(
      [
        { id: 'c1', credentialId: 'k1', label: '+14155550100' },
        { id: 'c2', credentialId: 'k1', label: '+14155550101' },
        { id: 'c3', credentialId: 'k2', label: '+14155550200' },
        // Another credential (say a second Auth Token) for account A.
        { id: 'c4', credentialId: 'k3', label: '+14155550102' },
      ],
      async (id): Promise<Minted> => {
        minted.push(id);
        return { ok: true, token: jwt(accountOf[id]!) };
      },
    );
    expect(minted.sort()).toEqual(['c1', 'c3', 'c4']);
    expect(found.accounts.map(({ account, connectionId, numbers }) => ({ account, connectionId, numbers }))).toEqual([
      { account: A, connectionId: 'c1', numbers: ['+14155550100', '+14155550101', '+14155550102'] },
      { account: B, connectionId: 'c3', numbers: ['+14155550200'] },
    ]);
    expect(found.problems).toEqual([]);
  });

  it("skips a number connected before calls existed for the account's next one, and says why for both kinds of refusal", async () => {
    const found = await ringAccounts(
      [
        { id: 'old', credentialId: 'k1', label: '+14155550100' },
        { id: 'new', credentialId: 'k1', label: '+14155550101' },
        { id: 'gone', credentialId: 'k2', label: '+14155550200' },
      ],
      async (id): Promise<Minted> =>
        id === 'old'
          ? { ok: false, code: 'reconnect_for_voice', error: '+14155550100 was connected before calls existed.' }
          : id === 'gone'
            ? { ok: false, code: 'credential_missing', error: "This number's Twilio credential is gone." }
            : { ok: true, token: jwt(A) },
    );
    expect(found.accounts).toHaveLength(1);
    expect(found.accounts[0]).toMatchObject({ account: A, connectionId: 'new', numbers: ['+14155550101'] });
    expect(found.problems).toEqual([
      { numbers: ['+14155550100'], message: '+14155550100 was connected before calls existed.' },
      { numbers: ['+14155550200'], message: "This number's Twilio credential is gone." },
    ]);
  });

  it('a token that names no account counts as its credential’s own account', async () => {
    const found = await ringAccounts([{ id: 'c1', credentialId: 'k1', label: '+14155550100' }], async () => ({
      ok: true,
      token: 'not.a-jwt',
    }));
    expect(found.accounts[0]?.account).toBe('k1');
  });
});
