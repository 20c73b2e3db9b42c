import { describe, expect, it } from 'vitest';
import { chosenSender, sendersFor } from './senders';

const connections = [
  { id: 't1', provider: 'twilio', label: '+14155550100', status: 'active' },
  { id: 't2', provider: 'twilio', label: '+447700900123', status: 'active' },
  { id: 't3', provider: 'twilio', label: '+14155550199', status: 'error' },
  { id: 't4', provider: 'twilio', label: '+14155550198', status: 'disconnected' },
  { id: 'm1', provider: 'microsoft', label: 'ada@example.com', status: 'active' },
  { id: 'm2', provider: 'microsoft', label: 'ada@work.example', status: 'needs_reauth' },
  { id: 'c1', provider: 'caldav', label: 'Calendar', status: 'active' },
];

describe('sendersFor', () => {
  it('lists the active connections that send on the channel', () => {
    expect(sendersFor(connections, 'sms')).toEqual([
      { id: 't1', label: '+14155550100' },
      { id: 't2', label: '+447700900123' },
    ]);
    expect(sendersFor(connections, 'voice').map((s) => s.id)).toEqual(['t1', 't2']);
    expect(sendersFor(connections, 'email')).toEqual([{ id: 'm1', label: 'ada@example.com' }]);
    expect(sendersFor([], 'email')).toEqual([]);
  });
});

describe('chosenSender', () => {
  const two = [
    { id: 'a', label: 'A' },
    { id: 'b', label: 'B' },
  ];
  it('sends no connectionId when there is nothing to choose (the hub uses the only one)', () => {
    expect(chosenSender([], 'a')).toBeUndefined();
    expect(chosenSender([{ id: 'a', label: 'A' }], 'a')).toBeUndefined();
  });
  it('sends the chosen one, or the first when the choice is not one of them', () => {
    expect(chosenSender(two, 'b')).toBe('b');
    expect(chosenSender(two, undefined)).toBe('a');
    expect(chosenSender(two, 'gone')).toBe('a');
  });
});
