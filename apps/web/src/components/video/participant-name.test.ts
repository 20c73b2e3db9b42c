import { describe, expect, it } from 'vitest';
import { participantName } from './participant-name';

describe('participantName', () => {
  it('names guests from their identity and the host from the name the hub gave', () => {
    expect(participantName('guest_0a1b2c3d_Ada%20Lovelace', 'Alice')).toBe('Ada Lovelace (guest)');
    expect(participantName('guest_0a1b2c3d_Z%C3%BCrich', null)).toBe('Zürich (guest)');
    expect(participantName('user_0123456789abcdef0123456789abcdef', 'Alice Host')).toBe('Alice Host');
    expect(participantName('user_0123456789abcdef0123456789abcdef', null)).toBe('Host');
  });

  it('never throws on a malformed identity', () => {
    expect(participantName('guest_0a1b2c3d_%E0%A4%A', null)).toBe('Guest');
    expect(participantName('guest_nothex!!_Eve', null)).toBe('Host');
  });
});
