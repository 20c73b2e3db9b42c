import { PhoneIncoming, PhoneMissed, PhoneOutgoing, Voicemail } from 'lucide-react';
import { describe as group, expect, it } from 'vitest';
import { describe } from './timeline-item';

const call = (properties: Record<string, unknown>) =>
  describe({ id: 'c1', type: 'call', title: 'Call', excerpt: '', properties, at: '2026-01-01T10:00:00Z' });

group('describe: calls', () => {
  it('reads answered calls with their length', () => {
    expect(call({ direction: 'inbound', status: 'completed', durationSeconds: 300 })).toMatchObject({
      icon: PhoneIncoming,
      summary: 'Incoming call, 5 min',
      href: '/calls',
    });
    expect(call({ direction: 'outbound', status: 'completed', durationSeconds: 42 })).toMatchObject({
      icon: PhoneOutgoing,
      summary: 'Outgoing call, 42 s',
    });
  });

  it('says an outgoing call was recorded, and links to where it plays', () => {
    expect(
      call({ direction: 'outbound', status: 'completed', durationSeconds: 42, recording: { sid: 'RE1', path: 'b/n' } }),
    ).toMatchObject({ summary: 'Outgoing call, 42 s, recorded', href: '/calls' });
    // A voicemail's recording is told by its status, not twice.
    expect(call({ direction: 'inbound', status: 'voicemail', recording: { sid: 'RE2' } }).summary).toBe(
      'Missed call, voicemail left',
    );
  });

  it('reads a voicemail as a missed call that left one, never as an incoming call', () => {
    const shown = call({ direction: 'inbound', status: 'voicemail', durationSeconds: 12 });
    expect(shown.summary).toBe('Missed call, voicemail left');
    expect(shown.icon).toBe(Voicemail);
  });

  it('reads unanswered, busy and canceled incoming calls as missed', () => {
    for (const status of ['missed', 'no_answer', 'busy', 'canceled'])
      expect(call({ direction: 'inbound', status }), status).toMatchObject({
        icon: PhoneMissed,
        summary: 'Missed call',
      });
  });

  it('reads outgoing calls nobody took as not answered, and a canceled one as canceled', () => {
    expect(call({ direction: 'outbound', status: 'no_answer' }).summary).toBe('Missed call (outgoing)');
    expect(call({ direction: 'outbound', status: 'canceled' })).toMatchObject({
      icon: PhoneMissed,
      summary: 'Outgoing call, canceled before an answer',
    });
  });
});
