import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { CredentialView } from '@/lib/settings/model';
import { CredentialCard, type CredentialActions } from './credential-card';

const twilio: CredentialView = {
  id: '0190a0b0-0000-7000-8000-000000000001',
  type: 'twilio',
  name: 'Work Twilio',
  hints: { accountSid: 'AC…cdef' },
  fields: ['accountSid', 'authToken'],
  createdAt: '2026-11-24T10:00:00Z',
  updatedAt: '2026-11-24T10:00:00Z',
  lastTestedAt: null,
  lastTestOk: null,
  lastTestMessage: null,
};

const generic: CredentialView = {
  ...twilio,
  id: '0190a0b0-0000-7000-8000-000000000002',
  type: 'generic',
  name: 'Weather',
  hints: { headers: 'X-Api-Key', values: '', allowedHosts: 'api.weather.example.com' },
  fields: ['headers', 'values', 'allowedHosts'],
};

function actions(overrides: Partial<CredentialActions> = {}): CredentialActions {
  return { test: vi.fn(), replace: vi.fn(), remove: vi.fn().mockResolvedValue(undefined), ...overrides };
}

describe('CredentialCard', () => {
  it('shows identifying hints and masks every secret field', () => {
    render(<CredentialCard credential={twilio} actions={actions()} />);
    const card = screen.getByRole('group', { name: 'Work Twilio' });
    expect(within(card).getByText('Account SID').nextElementSibling).toHaveTextContent('AC…cdef');
    const token = within(card).getByText('Auth Token').nextElementSibling!;
    expect(token).toHaveTextContent('••••••••');
    expect(token).toHaveTextContent('hidden');
    expect(within(card).getByText('Not tested')).toBeInTheDocument();
    // Nothing offers to reveal a secret.
    expect(within(card).queryByRole('button', { name: /show|reveal/i })).not.toBeInTheDocument();
  });

  it('names a generic credential’s headers and hosts, with the values masked', () => {
    render(<CredentialCard credential={generic} actions={actions()} />);
    const card = screen.getByRole('group', { name: 'Weather' });
    expect(within(card).getByText('Header names').nextElementSibling).toHaveTextContent('X-Api-Key');
    expect(within(card).getByText('Sent only to').nextElementSibling).toHaveTextContent('api.weather.example.com');
    expect(within(card).getByText('Header values').nextElementSibling).toHaveTextContent('••••••••');
    expect(within(card).queryByText('Query values')).not.toBeInTheDocument();
    expect(within(card).queryByText('Not tested')).not.toBeInTheDocument();
  });

  it('shows progress while testing, then the provider’s answer', async () => {
    let answer!: (v: Awaited<ReturnType<CredentialActions['test']>>) => void;
    const test = vi.fn(
      () => new Promise<Awaited<ReturnType<CredentialActions['test']>>>((resolve) => (answer = resolve)),
    );
    render(<CredentialCard credential={twilio} actions={actions({ test })} />);
    await userEvent.click(screen.getByRole('button', { name: 'Test' }));
    expect(screen.getByRole('status')).toHaveTextContent('Asking Twilio whether it accepts this credential');
    expect(screen.getByRole('button', { name: 'Test' })).toBeDisabled();
    answer({
      ok: true,
      data: {
        ok: false,
        provider: 'Twilio',
        message: 'Twilio rejected these credentials (HTTP 401). Check the Account SID and Auth Token.',
      },
    });
    expect(await screen.findByText(/Twilio rejected these credentials/)).toBeInTheDocument();
    expect(test).toHaveBeenCalledWith(twilio.id);
  });

  it('removes only after confirmation', async () => {
    const remove = vi.fn().mockResolvedValue(undefined);
    render(<CredentialCard credential={twilio} actions={actions({ remove })} />);
    await userEvent.click(screen.getByRole('button', { name: 'Remove' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Remove Work Twilio?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(remove).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole('button', { name: 'Remove' }));
    await userEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Remove' }));
    expect(remove).toHaveBeenCalledWith(twilio.id);
  });
});
