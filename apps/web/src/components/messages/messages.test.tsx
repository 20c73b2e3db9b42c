import { router } from '../../../test/next-mocks';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { tickOf, type ShownMessage, type Thread } from '@/lib/messages/model';
import { Compose } from './compose';
import { MessageBubble } from './message-bubble';
import { ReplyBox } from './reply-box';
import { ThreadList } from './thread-list';

const actions = vi.hoisted(() => ({ sendMessageAction: vi.fn(), markThreadReadAction: vi.fn() }));
vi.mock('@/lib/actions/messages', () => actions);
// The reply box offers "Draft a reply": a server action the hub answers, not called here.
vi.mock('@/lib/ai-stream', () => ({ useAiStream: () => ({ pending: false, run: vi.fn(), stop: vi.fn() }) }));

const thread: Thread = {
  id: 'sms:+14155550100:0190a0a0-0000-7000-8000-000000000001',
  channel: 'sms',
  email: null,
  person: { id: '0190a0a0-0000-7000-8000-000000000001', name: 'Ann Example' },
  phone: '+14155550123',
  ownNumber: '+14155550100',
  lastMessage: {
    id: 'm1',
    excerpt: 'See you Friday',
    at: '2026-12-01T10:00:00Z',
    direction: 'inbound',
    status: 'received',
    hasMedia: false,
  },
  unread: 3,
};

const message = (overrides: Partial<ShownMessage>): ShownMessage => ({
  id: 'm1',
  sid: 'SM1',
  direction: 'outbound',
  status: 'queued',
  body: 'Hello',
  from: '+14155550100',
  to: '+14155550123',
  at: '2026-12-01T10:00:00Z',
  segments: 1,
  media: [],
  email: null,
  mediaUrls: [],
  error: null,
  ...overrides,
});

beforeEach(() => {
  actions.sendMessageAction.mockReset();
  router.refresh.mockReset();
});

describe('delivery ticks', () => {
  it('reads Twilio statuses as a person does', () => {
    expect(
      ['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'received', null].map(tickOf),
    ).toEqual(['queued', 'queued', 'sent', 'delivered', 'delivered', 'failed', 'failed', 'received', 'queued']);
  });

  it('shows a failed message with its advice, and media inline as links to the full size', () => {
    render(
      <ol>
        <MessageBubble
          message={message({
            status: 'undelivered',
            error: { code: 30006, message: 'The number cannot receive texts (a landline?).' },
            mediaUrls: [
              { contentType: 'image/png', url: 'http://hub/storage/v1/object/sign/sms-media-x/a.png?token=t' },
              { contentType: 'image/png', url: null },
            ],
          })}
        />
      </ol>,
    );
    expect(screen.getByText('Not delivered')).toBeInTheDocument();
    expect(screen.getByRole('note')).toHaveTextContent('landline?). (Twilio error 30006)');
    expect(screen.getByRole('link', { name: 'Photo 1 (open full size)' })).toHaveAttribute(
      'href',
      'http://hub/storage/v1/object/sign/sms-media-x/a.png?token=t',
    );
    expect(screen.getByText('Loading…')).toBeInTheDocument();
  });
});

describe('ThreadList', () => {
  it('shows who, the last message and the unread count', () => {
    render(
      <ThreadList
        threads={[
          thread,
          {
            ...thread,
            id: 'sms:+1:x',
            unread: 0,
            person: { id: 'p', name: 'Ben' },
            lastMessage: { ...thread.lastMessage, direction: 'outbound', excerpt: 'ok' },
          },
        ]}
      />,
    );
    const links = screen.getAllByRole('link');
    expect(links[0]).toHaveAccessibleName(/Ann Example.*See you Friday.*3 unread/);
    expect(links[0]).toHaveAttribute('href', `/messages/${encodeURIComponent(thread.id)}`);
    expect(within(links[1]!).getByText('You: ok')).toBeInTheDocument();
    expect(links[1]).not.toHaveAccessibleName(/unread/);
  });
});

describe('ReplyBox', () => {
  it('retries with the same Idempotency-Key when the answer was lost, and a new one after an answer', async () => {
    actions.sendMessageAction
      .mockRejectedValueOnce(new Error('network'))
      .mockResolvedValueOnce({ ok: false, error: 'They replied STOP.', code: 'twilio_21610' })
      .mockResolvedValueOnce({ ok: true, data: { threadId: thread.id, status: 'queued' } });
    render(<ReplyBox to="+14155550123" label="Reply to Ann" />);
    await userEvent.type(screen.getByLabelText('Reply to Ann'), 'Hi');
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('will not be sent twice');
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('They replied STOP.');
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    const keys = actions.sendMessageAction.mock.calls.map((call) => call[1] as string);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[1]);
    expect(actions.sendMessageAction.mock.calls[0]![0]).toEqual({ to: '+14155550123', body: 'Hi' });
    expect(screen.getByLabelText('Reply to Ann')).toHaveValue('');
    expect(router.refresh).toHaveBeenCalled();
  });

  it('sends on Enter, not on Shift+Enter, and refuses an empty text', async () => {
    render(<ReplyBox to="+14155550123" label="Reply to Ann" />);
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Write a message first.');
    expect(actions.sendMessageAction).not.toHaveBeenCalled();
    actions.sendMessageAction.mockResolvedValue({ ok: true, data: { threadId: thread.id, status: 'queued' } });
    await userEvent.type(screen.getByLabelText('Reply to Ann'), 'line one{Shift>}{Enter}{/Shift}line two{Enter}');
    expect(actions.sendMessageAction).toHaveBeenCalledWith(
      { to: '+14155550123', body: 'line one\nline two' },
      expect.any(String),
    );
  });
});

describe('Compose: From', () => {
  const numbers = [
    { id: '0190a0a0-0000-7000-8000-00000000000a', label: '+14155550100' },
    { id: '0190a0a0-0000-7000-8000-00000000000b', label: '+447700900123' },
  ];
  const ann = { to: '+14155550123', label: 'Ann Example (+14155550123)' };

  it('with one number (or none listed), asks nothing and sends without a connectionId', async () => {
    actions.sendMessageAction.mockResolvedValue({ ok: true, data: { threadId: thread.id, status: 'queued' } });
    render(<Compose initial={ann} senders={[numbers[0]!]} />);
    expect(screen.queryByLabelText('From')).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(/Message to Ann/), 'Hi{Enter}');
    expect(actions.sendMessageAction.mock.calls[0]![0]).toEqual({ to: '+14155550123', body: 'Hi' });
  });

  it('with several numbers, offers them under From and sends from the chosen one', async () => {
    actions.sendMessageAction.mockResolvedValue({ ok: true, data: { threadId: thread.id, status: 'queued' } });
    render(<Compose initial={ann} senders={numbers} />);
    const from = screen.getByRole('combobox', { name: 'From' });
    expect(from).toHaveValue(numbers[0]!.id);
    expect(
      within(from)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['+14155550100', '+447700900123']);
    await userEvent.selectOptions(from, '+447700900123');
    await userEvent.type(screen.getByLabelText(/Message to Ann/), 'Hi{Enter}');
    expect(actions.sendMessageAction.mock.calls[0]![0]).toEqual({
      to: '+14155550123',
      body: 'Hi',
      connectionId: numbers[1]!.id,
    });
  });
});
