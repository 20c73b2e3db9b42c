import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { CredentialForm } from './credential-form';

const SID = `AC${'0123456789abcdef'.repeat(2)}`;

describe('CredentialForm', () => {
  it('checks a Twilio credential before sending: each mistake next to its labelled field, focus on the first', async () => {
    const onSubmit = vi.fn();
    render(<CredentialForm mode="add" type="twilio" onSubmit={onSubmit} />);
    await userEvent.type(screen.getByLabelText('Account SID'), 'AC123');
    await userEvent.type(screen.getByLabelText('Auth Token'), 'short');
    await userEvent.click(screen.getByRole('button', { name: 'Save credential' }));

    const name = screen.getByLabelText('Name');
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(name).toHaveAccessibleDescription(/Give the credential a name/);
    expect(name).toHaveFocus();
    expect(screen.getByLabelText('Account SID')).toHaveAccessibleDescription(
      /Enter the Account SID: AC followed by 32/,
    );
    expect(screen.getByLabelText('Auth Token')).toHaveAccessibleDescription(/at least 16 characters/);
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('types secrets into password fields and sends the typed values', async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    render(<CredentialForm mode="add" type="twilio" onSubmit={onSubmit} />);
    expect(screen.getByLabelText('Auth Token')).toHaveAttribute('type', 'password');
    expect(screen.getByLabelText('Account SID')).toHaveAttribute('type', 'text');
    await userEvent.type(screen.getByLabelText('Name'), 'Work Twilio');
    await userEvent.type(screen.getByLabelText('Account SID'), SID);
    await userEvent.type(screen.getByLabelText('Auth Token'), 'a'.repeat(32));
    await userEvent.click(screen.getByRole('button', { name: 'Save credential' }));
    expect(onSubmit).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'twilio',
        name: 'Work Twilio',
        fields: { accountSid: SID, authToken: 'a'.repeat(32) },
      }),
    );
  });

  it('switches fields with the type, and checks a generic credential’s headers and hosts', async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    render(<CredentialForm mode="add" type="twilio" onSubmit={onSubmit} />);
    await userEvent.click(screen.getByLabelText(/Other service/));
    expect(screen.queryByLabelText('Account SID')).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Name'), 'Weather');
    await userEvent.type(screen.getByLabelText('Header name'), 'X Api Key');
    await userEvent.type(screen.getByLabelText('Allowed hosts'), 'https://api.weather.example/v1');
    await userEvent.click(screen.getByRole('button', { name: 'Save credential' }));
    expect(screen.getByLabelText('Header name')).toHaveAccessibleDescription(/letters, digits and dashes only/);
    expect(screen.getByLabelText('Header value')).toHaveAccessibleDescription('Enter the value to send.');
    expect(screen.getByLabelText('Allowed hosts')).toHaveAccessibleDescription(
      /Not a host name: https:\/\/api.weather.example\/v1/,
    );
    expect(onSubmit).not.toHaveBeenCalled();

    await userEvent.clear(screen.getByLabelText('Header name'));
    await userEvent.type(screen.getByLabelText('Header name'), 'X-Api-Key');
    await userEvent.type(screen.getByLabelText('Header value'), 's3cret-value');
    expect(screen.getByLabelText('Header value')).toHaveAttribute('type', 'password');
    await userEvent.clear(screen.getByLabelText('Allowed hosts'));
    await userEvent.type(
      screen.getByLabelText('Allowed hosts'),
      'API.Weather.example.com{enter}api2.weather.example.com',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Save credential' }));
    expect(onSubmit).toHaveBeenCalledTimes(1);
    expect(onSubmit.mock.calls[0]![0]).toMatchObject({
      type: 'generic',
      rows: { headers: [{ key: 'X-Api-Key', value: 's3cret-value' }] },
    });
  });

  it('adds and removes header rows with labelled controls', async () => {
    render(<CredentialForm mode="add" type="generic" onSubmit={vi.fn()} />);
    await userEvent.click(screen.getByRole('button', { name: 'Add header' }));
    expect(screen.getByLabelText('Header 2 name')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Remove header 1' }));
    expect(screen.getByLabelText('Header name')).toBeInTheDocument();
    expect(screen.queryByLabelText('Header 2 name')).not.toBeInTheDocument();
  });

  it('replaces without showing the old secret, and says what the hub answered', async () => {
    const onSubmit = vi.fn().mockResolvedValue({ error: 'This credential no longer exists.' });
    render(<CredentialForm mode="replace" type="openrouter" name="My key" onSubmit={onSubmit} onCancel={vi.fn()} />);
    expect(screen.queryByRole('radio')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Name')).toHaveValue('My key');
    expect(screen.getByLabelText('API key')).toHaveValue('');
    await userEvent.type(screen.getByLabelText('API key'), 'sk-or-v1-abcdef');
    await userEvent.click(screen.getByRole('button', { name: 'Replace credential' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('no longer exists');
    expect(within(screen.getByRole('form')).getByRole('button', { name: 'Cancel' })).toBeEnabled();
  });
});
