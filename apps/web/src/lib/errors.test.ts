import { describe, expect, it } from 'vitest';
import { friendlyAuthError, friendlyHubError, UNREACHABLE } from './errors';

describe('friendlyHubError', () => {
  it('explains a version conflict without jargon', () => {
    const text = friendlyHubError(409, 'version_conflict', 'version 3 != 4');
    expect(text).toMatch(/changed somewhere else/);
    expect(text).not.toMatch(/version 3/);
  });
  it('keeps the hub message for bad input, which is written for people', () => {
    expect(friendlyHubError(400, 'validation_failed', 'Give the contact a name.')).toBe('Give the contact a name.');
  });
  it('never shows server internals for 5xx', () => {
    expect(friendlyHubError(500, 'internal', 'TypeError: x is undefined')).not.toMatch(/TypeError/);
  });
  it('passes on what to do about a text that may have gone out, rather than "try again"', () => {
    const words = 'Twilio did not answer, so this text may or may not have gone out. Check the message log.';
    expect(friendlyHubError(502, 'send_outcome_unknown', words)).toBe(words);
    expect(friendlyHubError(502, 'sent_not_stored', undefined)).toMatch(/may have been sent/);
  });
  it('says the hub is unreachable when there was no response', () => {
    expect(friendlyHubError(0, undefined, undefined)).toBe(UNREACHABLE);
  });
});

describe('friendlyAuthError', () => {
  it('maps wrong credentials', () => {
    expect(friendlyAuthError({ code: 'invalid_credentials', status: 400 })).toMatch(/don't match/);
  });
  it('maps an existing account', () => {
    expect(friendlyAuthError({ code: 'user_already_exists', status: 422 })).toMatch(/Sign in instead/);
  });
  it('maps network failures', () => {
    expect(friendlyAuthError({ name: 'AuthRetryableFetchError', status: 0, message: 'fetch failed' })).toBe(
      UNREACHABLE,
    );
  });
});
