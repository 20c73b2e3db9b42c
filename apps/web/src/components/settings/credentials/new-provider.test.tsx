import { providerRegistry } from '@made-open/shared/providers';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { acmeWeather } from '../../../../../../packages/shared/test/acme-weather';
import { CapabilityList } from '../capability-list';
import { CredentialCard } from './credential-card';
import { CredentialForm } from './credential-form';

// Adding a provider is one file: registered, it appears in the form, on cards and in the
// capability list with its own fields, rules and texts, and nothing else changes.
providerRegistry.register(acmeWeather);

const credential = {
  id: '0190a0b0-0000-7000-8000-00000000acme',
  type: 'acme-weather',
  name: 'Acme forecasts',
  hints: { accountId: 'ac…5678' },
  fields: ['accountId', 'apiKey'],
  createdAt: '2026-11-24T10:00:00Z',
  updatedAt: '2026-11-24T10:00:00Z',
  lastTestedAt: '2026-11-24T11:00:00Z',
  lastTestOk: true,
  lastTestMessage: 'Acme Weather accepted this key.',
};

describe('a provider added with one file', () => {
  it('is offered in the add form with its own fields, rules and texts', async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    render(<CredentialForm mode="add" type="twilio" onSubmit={onSubmit} />);
    await userEvent.click(screen.getByLabelText(/Acme Weather/));
    expect(screen.queryByLabelText('Account SID')).not.toBeInTheDocument();
    expect(screen.getByText(/under Settings → API at acme-weather.example/)).toBeInTheDocument();
    expect(screen.getByLabelText('Account ID')).toHaveAttribute('type', 'text');
    expect(screen.getByLabelText('Account ID')).toHaveAccessibleDescription('acct_ followed by 8 digits.');
    expect(screen.getByLabelText('Acme API key')).toHaveAttribute('type', 'password');

    await userEvent.type(screen.getByLabelText('Name'), 'Acme');
    await userEvent.type(screen.getByLabelText('Account ID'), 'acct_1');
    await userEvent.type(screen.getByLabelText('Acme API key'), 'short');
    await userEvent.click(screen.getByRole('button', { name: 'Save credential' }));
    expect(screen.getByLabelText('Account ID')).toHaveAccessibleDescription(/Enter the account ID: acct_ followed/);
    expect(screen.getByLabelText('Acme API key')).toHaveAccessibleDescription(/at least 12 characters/);
    expect(onSubmit).not.toHaveBeenCalled();

    await userEvent.clear(screen.getByLabelText('Account ID'));
    await userEvent.type(screen.getByLabelText('Account ID'), 'acct_12345678');
    await userEvent.type(screen.getByLabelText('Acme API key'), '-long-enough');
    await userEvent.click(screen.getByRole('button', { name: 'Save credential' }));
    expect(onSubmit).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'acme-weather',
        fields: { accountId: 'acct_12345678', apiKey: 'short-long-enough' },
      }),
    );
  });

  it('shows its credentials masked, with the last test’s reason', () => {
    render(<CredentialCard credential={credential} actions={{ test: vi.fn(), replace: vi.fn(), remove: vi.fn() }} />);
    const card = screen.getByRole('group', { name: 'Acme forecasts' });
    expect(within(card).getByText('Acme Weather')).toBeInTheDocument();
    expect(within(card).getByText('Account').nextElementSibling).toHaveTextContent('ac…5678');
    expect(within(card).getByText('Acme API key').nextElementSibling).toHaveTextContent('••••••••');
    expect(within(card).getByText('Test passed')).toBeInTheDocument();
    expect(within(card).getByText('Acme Weather accepted this key.')).toBeInTheDocument();
  });

  it('lists its capability: off with the hub’s reason and a way to add one, on once tested', () => {
    const { rerender } = render(
      <CapabilityList
        capabilities={[
          {
            name: 'weather',
            enabled: false,
            providedBy: [],
            state: 'needs_credential',
            reason: 'Needs an Acme Weather key.',
          },
        ]}
        credentials={[]}
      />,
    );
    let item = screen.getByRole('listitem', { name: 'Weather forecasts' });
    expect(within(item).getByText('Off')).toBeInTheDocument();
    expect(within(item).getByText('Forecasts for the places you know.')).toBeInTheDocument();
    expect(within(item).getByText('Needs an Acme Weather key.')).toBeInTheDocument();
    expect(within(item).getByRole('link', { name: 'Add Acme Weather' })).toHaveAttribute(
      'href',
      '/settings/credentials?add=acme-weather',
    );

    rerender(
      <CapabilityList
        capabilities={[{ name: 'weather', enabled: true, providedBy: ['acme-weather'], state: 'on', reason: null }]}
        credentials={[credential]}
      />,
    );
    item = screen.getByRole('listitem', { name: 'Weather forecasts' });
    expect(within(item).getByText('On')).toBeInTheDocument();
    expect(within(item).getByText(/Acme Weather credential “Acme forecasts”, tested/)).toBeInTheDocument();
  });
});
