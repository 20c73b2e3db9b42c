import { describe, expect, it } from 'vitest';
import { a2pWarningFor, twilioErrorMessage } from './twilio.errors.ts';

describe('A2P warnings and advice (integrations.md §1.4)', () => {
  it.each([
    '+18005550100',
    '+18335550100',
    '+18445550100',
    '+18555550100',
    '+18665550100',
    '+18775550100',
    '+18885550100',
  ])('a toll-free number (%s) needs toll-free verification, not 10DLC', (number) => {
    const warning = a2pWarningFor(number);
    expect(warning).toMatch(/toll-free verification/);
    expect(warning).toMatch(/30032/);
    expect(warning).not.toMatch(/register a brand and campaign/);
  });

  it.each(['+14155550100', '+12125550100', '+14165550100'])('a +1 long code (%s) needs A2P 10DLC', (number) => {
    expect(a2pWarningFor(number)).toMatch(/A2P 10DLC registration/);
  });

  it('other countries get no warning', () => {
    expect(a2pWarningFor('+447700900123')).toBeNull();
    // A number that only starts like a toll-free prefix elsewhere.
    expect(a2pWarningFor('+448005550100')).toBeNull();
  });

  it('error 30032 (toll-free number not verified) says what to do', () => {
    expect(twilioErrorMessage(30032, 'fallback')).toMatch(/toll-free verification.*Twilio Console/);
  });
});
