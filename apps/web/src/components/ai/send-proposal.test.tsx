import '../../../test/next-mocks';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SendProposal } from './send-proposal';

const actions = vi.hoisted(() => ({ sendEmailAction: vi.fn(), sendMessageAction: vi.fn() }));
vi.mock('@/lib/actions/messages', () => actions);

const adaId = '0190a0a0-0000-7000-8000-000000000001';
const plan = { id: 'f1', name: 'plan.pdf', path: 'docs/plan.pdf', sizeBytes: 2048 };
const notes = { id: 'f2', name: 'notes.txt', path: 'docs/notes.txt', sizeBytes: null };

describe('a proposed email', () => {
  beforeEach(() => {
    actions.sendEmailAction.mockReset();
    actions.sendMessageAction.mockReset();
  });

  it('names a contact, sends what the user kept, and a definite refusal gets a new key', async () => {
    const proposal = {
      to: adaId,
      toName: 'Ada Lovelace',
      body: 'The plan.',
      channel: 'email' as const,
      subject: 'Plan',
      attachments: [plan, notes],
    };
    render(<SendProposal proposal={proposal} />);
    expect(screen.getByRole('group', { name: 'Proposed message' })).toHaveTextContent('Proposed email to Ada Lovelace');
    expect(screen.getByRole('list', { name: 'Attached files' })).toHaveTextContent('plan.pdf 2 KBnotes.txt');
    await userEvent.click(screen.getByRole('button', { name: 'Remove notes.txt' }));
    await userEvent.clear(screen.getByRole('textbox', { name: 'Subject' }));
    await userEvent.type(screen.getByRole('textbox', { name: 'Subject' }), 'The plan');

    actions.sendEmailAction.mockResolvedValueOnce({ ok: false, error: 'No mail.', code: 'no_mail_connection' });
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByRole('link', { name: /Connect a mail account/ })).toBeVisible();
    actions.sendEmailAction.mockResolvedValueOnce({ ok: true, data: { threadId: null } });
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Sent to Ada Lovelace with 1 file.');

    const [first, second] = actions.sendEmailAction.mock.calls;
    expect(first![0]).toEqual({
      to: [adaId],
      cc: [],
      subject: 'The plan',
      body: 'The plan.',
      attachments: ['docs/plan.pdf'],
    });
    // Refused for sure, so the retry is a new message, not a replay of the refusal.
    expect(second![1]).not.toBe(first![1]);
  });

  it('a text whose answer was lost is sent again with the same key', async () => {
    render(<SendProposal proposal={{ to: '+14155550123', body: 'Hi', channel: 'sms' }} />);
    expect(screen.queryByRole('textbox', { name: 'Subject' })).toBeNull();
    actions.sendMessageAction.mockResolvedValueOnce({ ok: false, error: 'Unreachable.', code: 'unreachable' });
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Unreachable.');
    actions.sendMessageAction.mockResolvedValueOnce({ ok: true, data: {} });
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    const [first, second] = actions.sendMessageAction.mock.calls;
    expect(second![1]).toBe(first![1]);
  });
});
