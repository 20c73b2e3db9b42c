import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ContactForm } from './contact-form';

describe('ContactForm', () => {
  it('shows field errors next to labelled inputs and does not submit', async () => {
    const onSubmit = vi.fn();
    render(<ContactForm submitLabel="Save contact" onSubmit={onSubmit} />);
    await userEvent.type(screen.getByLabelText('Email addresses'), 'nope');
    await userEvent.click(screen.getByRole('button', { name: 'Save contact' }));
    const name = screen.getByLabelText('Name');
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(name).toHaveAccessibleDescription('Give the contact a name.');
    expect(screen.getByLabelText('Email addresses')).toHaveAccessibleDescription(/name@example.com/);
    expect(name).toHaveFocus();
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('submits parsed values and shows the error the hub gave', async () => {
    const onSubmit = vi.fn().mockResolvedValue({ error: 'This was changed somewhere else since you opened it.' });
    render(<ContactForm submitLabel="Save contact" onSubmit={onSubmit} />);
    await userEvent.type(screen.getByLabelText('Name'), 'Ada Lovelace');
    await userEvent.type(screen.getByLabelText('Email addresses'), 'ada@example.org, ada@work.example');
    await userEvent.type(screen.getByLabelText('Organization'), 'Analytical Engines');
    await userEvent.click(screen.getByRole('button', { name: 'Save contact' }));
    expect(onSubmit).toHaveBeenCalledWith({
      name: 'Ada Lovelace',
      emails: ['ada@example.org', 'ada@work.example'],
      phones: [],
      organization: 'Analytical Engines',
      notes: '',
    });
    expect(await screen.findByRole('alert')).toHaveTextContent('changed somewhere else');
  });
});
