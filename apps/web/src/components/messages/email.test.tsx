import '../../../test/next-mocks';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Thread } from '@/lib/messages/model';
import { EmailBody } from './email-body';
import { EmailCompose } from './email-compose';
import { ThreadList } from './thread-list';

const actions = vi.hoisted(() => ({
  sendEmailAction: vi.fn(),
  markThreadReadAction: vi.fn(),
  markThreadUnreadAction: vi.fn(),
}));
vi.mock('@/lib/actions/messages', () => actions);

const last = {
  id: 'm1',
  excerpt: 'See you Friday',
  at: '2026-12-01T10:00:00Z',
  direction: 'inbound' as const,
  status: null,
  hasMedia: false,
};
const text: Thread = {
  id: 'sms:+14155550100:0190a0a0-0000-7000-8000-000000000001',
  channel: 'sms',
  email: null,
  person: { id: '0190a0a0-0000-7000-8000-000000000001', name: 'Ann Example' },
  phone: '+14155550123',
  ownNumber: '+14155550100',
  lastMessage: last,
  unread: 0,
};
const mail: Thread = {
  id: 'email:Y29udi0x',
  channel: 'email',
  person: { id: null, name: 'Ada Lovelace' },
  phone: null,
  ownNumber: null,
  email: {
    subject: 'Quarterly numbers',
    participants: [
      { address: 'ada@example.org', name: 'Ada Lovelace', personId: null },
      { address: 'grace@example.org', name: null, personId: null },
    ],
    hasAttachments: true,
    messages: 3,
  },
  lastMessage: { ...last, id: 'm2', excerpt: 'Attached.', hasMedia: true },
  unread: 2,
};

beforeEach(() => actions.sendEmailAction.mockReset());

describe('the unified inbox list', () => {
  it('shows email beside texts, and filters to texts or email with unread counts', async () => {
    render(<ThreadList threads={[mail, text]} />);
    expect(screen.getAllByRole('link')).toHaveLength(2);
    const email = screen.getByRole('button', { name: 'Email, 1 unread' });
    expect(screen.getByRole('button', { name: 'Texts' })).toHaveAttribute('aria-pressed', 'false');
    await userEvent.click(email);
    expect(email).toHaveAttribute('aria-pressed', 'true');
    const [only] = screen.getAllByRole('link');
    expect(screen.getAllByRole('link')).toHaveLength(1);
    expect(only).toHaveAccessibleName(/Email: Ada Lovelace \+1 .*Quarterly numbers Attachment.*Attached\..*2 unread/);
    await userEvent.click(screen.getByRole('button', { name: 'Texts' }));
    expect(screen.getByRole('link')).toHaveAccessibleName(/Ann Example/);
  });
});

describe('EmailBody', () => {
  it('shows the HTML in a sandboxed frame without scripts, remote images held back until asked', async () => {
    render(<EmailBody html={'<p>Hi</p><img data-src="https://track.example/x.png">'} title="Email from Ada" />);
    const frame = screen.getByTitle('Email from Ada');
    expect(frame.getAttribute('sandbox')).not.toMatch(/allow-scripts|allow-same-origin/);
    const before = frame.getAttribute('srcdoc')!;
    expect(before).toContain('Content-Security-Policy');
    expect(before).toContain('img-src data: cid:;');
    expect(before).not.toContain(' src="https://track.example/x.png"');
    await userEvent.click(screen.getByRole('button', { name: 'Show images' }));
    const after = screen.getByTitle('Email from Ada').getAttribute('srcdoc')!;
    expect(after).toContain(' src="https://track.example/x.png"');
    expect(after).toContain('img-src data: cid: https: http:');
    expect(screen.queryByRole('button', { name: 'Show images' })).not.toBeInTheDocument();
  });
});

describe('EmailCompose', () => {
  it('sends to typed addresses and, with no mail account, says where to connect one', async () => {
    actions.sendEmailAction.mockResolvedValueOnce({
      ok: false,
      error: 'Connect an account that offers mail first (Settings → Connections).',
      code: 'no_mail_connection',
    });
    render(<EmailCompose />);
    await userEvent.type(screen.getByLabelText('To'), 'ada@example.org{Enter}');
    expect(screen.getByRole('button', { name: 'Remove ada@example.org from To' })).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Subject'), 'Hello');
    await userEvent.type(screen.getByLabelText('Message'), 'Hi Ada');
    await userEvent.click(screen.getByRole('button', { name: 'Send email' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('No mail account is connected');
    expect(screen.getByRole('link', { name: /Connect a mail account/ })).toHaveAttribute(
      'href',
      '/settings/connections',
    );
    expect(actions.sendEmailAction.mock.calls[0]![0]).toEqual({
      to: ['ada@example.org'],
      cc: [],
      subject: 'Hello',
      body: 'Hi Ada',
      attachments: [],
    });
  });

  it('with several mail accounts, sends from the one chosen under From', async () => {
    actions.sendEmailAction.mockResolvedValueOnce({ ok: true, data: { threadId: 'email:abc' } });
    const accounts = [
      { id: '0190a0a0-0000-7000-8000-00000000000a', label: 'ada@example.org' },
      { id: '0190a0a0-0000-7000-8000-00000000000b', label: 'ada@work.example' },
    ];
    render(<EmailCompose senders={accounts} />);
    const from = screen.getByRole('combobox', { name: 'From' });
    expect(from).toHaveValue(accounts[0]!.id);
    await userEvent.selectOptions(from, 'ada@work.example');
    await userEvent.type(screen.getByLabelText('To'), 'grace@example.org{Enter}');
    await userEvent.type(screen.getByLabelText('Message'), 'Hi Grace');
    await userEvent.click(screen.getByRole('button', { name: 'Send email' }));
    expect(actions.sendEmailAction.mock.calls[0]![0]).toEqual({
      to: ['grace@example.org'],
      cc: [],
      subject: '',
      body: 'Hi Grace',
      attachments: [],
      connectionId: accounts[1]!.id,
    });
  });

  it('with one mail account, shows no From and lets the hub use it', () => {
    render(<EmailCompose senders={[{ id: '0190a0a0-0000-7000-8000-00000000000a', label: 'ada@example.org' }]} />);
    expect(screen.queryByRole('combobox', { name: 'From' })).not.toBeInTheDocument();
  });

  it('refuses to send without a recipient', async () => {
    render(<EmailCompose />);
    await userEvent.click(screen.getByRole('button', { name: 'Send email' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Add at least one recipient.');
    expect(actions.sendEmailAction).not.toHaveBeenCalled();
  });
});
