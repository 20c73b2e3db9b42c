import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { CredentialView, PluginView } from '@/lib/settings/model';
import { ConsentForm } from './consent-form';

const enricher: PluginView = {
  id: 'contact-enricher',
  name: 'Contact enricher',
  version: '1.0.0',
  description: '',
  status: 'pending_consent',
  statusReason: null,
  permissions: ['entities:read:person', 'http:fetch:api.enrich.example.com', 'credentials:generic'],
  triggers: [{ type: 'manual' }],
  credentials: [{ name: 'enrichApi', type: 'generic', description: 'API key, sent as a header.', boundTo: null }],
  config: {},
  configFields: {
    daysAhead: { type: 'number', description: 'How many days ahead.', default: 7 },
    loud: { type: 'boolean' },
  },
  installedAt: '2026-11-24T10:00:00Z',
  updatedAt: '2026-11-24T10:00:00Z',
};

const key: CredentialView = {
  id: '0190a0b0-0000-7000-8000-000000000002',
  type: 'generic',
  name: 'Enricher key',
  hints: {},
  fields: [],
  createdAt: '',
  updatedAt: '',
  lastTestedAt: null,
  lastTestOk: null,
  lastTestMessage: null,
};

describe('ConsentForm', () => {
  it('lists what the plugin asks for in words, all ticked, and sends the choices', async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    render(
      <ConsentForm
        plugin={enricher}
        grants={[]}
        credentials={[key]}
        submitLabel="Allow and enable"
        onSubmit={onSubmit}
      />,
    );
    expect(screen.getByLabelText(/Read your contacts/)).toBeChecked();
    expect(screen.getByLabelText(/Connect to api.enrich.example.com on the internet/)).toBeChecked();
    expect(screen.getByText('Reaches the internet')).toBeInTheDocument();
    expect(screen.getByLabelText(/enrichApi/)).toHaveValue(key.id);
    expect(screen.getByLabelText('daysAhead')).toHaveValue(7);

    await userEvent.click(screen.getByLabelText(/Read your contacts/));
    expect(screen.getByRole('status')).toHaveTextContent('Not allowing one permission');
    await userEvent.click(screen.getByLabelText(/loud/));
    await userEvent.click(screen.getByRole('button', { name: 'Allow and enable' }));
    expect(onSubmit).toHaveBeenCalledWith({
      permissions: ['http:fetch:api.enrich.example.com', 'credentials:generic'],
      config: { daysAhead: 7, loud: true },
      credentials: { enrichApi: key.id },
    });
  });

  it('offers to add a missing credential instead of a choice', () => {
    render(
      <ConsentForm plugin={enricher} grants={[]} credentials={[]} submitLabel="Allow and enable" onSubmit={vi.fn()} />,
    );
    expect(screen.getByRole('link', { name: 'Add an API key' })).toHaveAttribute(
      'href',
      '/settings/credentials?add=generic',
    );
    expect(screen.queryByLabelText(/enrichApi/)).not.toBeInTheDocument();
  });

  it('marks what is new after an upgrade', () => {
    const grants = [
      { permission: 'entities:read:person', grantedAt: '2026-11-24T10:00:00Z' },
      { permission: 'credentials:generic', grantedAt: '2026-11-24T10:00:00Z' },
    ];
    render(
      <ConsentForm
        plugin={enricher}
        grants={grants}
        credentials={[key]}
        submitLabel="Allow and enable"
        onSubmit={vi.fn()}
      />,
    );
    expect(screen.getByLabelText(/Connect to api.enrich.example.com/)).toHaveAccessibleName(/New/);
    expect(screen.getByLabelText(/Read your contacts/)).not.toHaveAccessibleName(/New/);
  });

  it('leaves a cleared setting to the plugin’s default', async () => {
    const onSubmit = vi.fn();
    render(
      <ConsentForm
        plugin={enricher}
        grants={[]}
        credentials={[key]}
        submitLabel="Allow and enable"
        onSubmit={onSubmit}
      />,
    );
    await userEvent.clear(screen.getByLabelText('daysAhead'));
    await userEvent.click(screen.getByRole('button', { name: 'Allow and enable' }));
    expect(onSubmit).toHaveBeenCalledWith(expect.objectContaining({ config: { loud: false } }));
  });
});
