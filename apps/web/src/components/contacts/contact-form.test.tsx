import { render, screen, within } from '@testing-library/react';
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
      jobTitle: '',
      birthday: '',
      anniversaries: [],
      addresses: [],
      tags: [],
      groups: [],
      customFields: [],
    });
    expect(await screen.findByRole('alert')).toHaveTextContent('changed somewhere else');
  });

  it('edits the whole contact model: birthday without a year, dates, an address, tags, groups, custom fields', async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    render(<ContactForm submitLabel="Save contact" region="GB" onSubmit={onSubmit} />);
    await userEvent.type(screen.getByLabelText('Name'), 'Gwen Ifans');
    await userEvent.type(screen.getByLabelText('Phone numbers'), '07700 900123');
    await userEvent.type(screen.getByLabelText('Job title'), 'Editor');
    await userEvent.type(screen.getByLabelText('Day'), '23');
    await userEvent.selectOptions(screen.getByLabelText('Month'), 'April');
    await userEvent.click(screen.getByRole('button', { name: 'Add date' }));
    const date = screen.getByRole('group', { name: 'Date 1' });
    await userEvent.type(within(date).getByLabelText('What'), 'Wedding');
    await userEvent.type(within(date).getByLabelText('Date'), '2015-06-20');
    await userEvent.click(screen.getByRole('button', { name: 'Add address' }));
    const address = screen.getByRole('group', { name: 'Address 1' });
    await userEvent.type(within(address).getByLabelText('Label'), 'Home');
    await userEvent.type(within(address).getByLabelText('Town or city'), 'Cardiff');
    await userEvent.type(screen.getByLabelText('Tags'), 'choir, cycling');
    await userEvent.type(screen.getByLabelText('Groups'), 'Friends');
    await userEvent.click(screen.getByRole('button', { name: 'Add field' }));
    const field = screen.getByRole('group', { name: 'Field 1' });
    await userEvent.type(within(field).getByLabelText('Name'), 'Shoe size');
    await userEvent.type(within(field).getByLabelText('Value'), '38');
    await userEvent.click(screen.getByRole('button', { name: 'Save contact' }));
    expect(onSubmit).toHaveBeenCalledWith(
      expect.objectContaining({
        phones: ['07700 900123'],
        jobTitle: 'Editor',
        birthday: '--04-23',
        anniversaries: [{ label: 'Wedding', date: '2015-06-20' }],
        addresses: [{ label: 'Home', locality: 'Cardiff' }],
        tags: ['choir', 'cycling'],
        groups: ['Friends'],
        customFields: [{ label: 'Shoe size', value: '38' }],
      }),
    );
  });

  it('names the phone line that cannot be a number and why, and a birthday that does not exist', async () => {
    const onSubmit = vi.fn();
    render(<ContactForm submitLabel="Save contact" region="GB" onSubmit={onSubmit} />);
    await userEvent.type(screen.getByLabelText('Name'), 'X');
    await userEvent.type(screen.getByLabelText('Phone numbers'), '+44 20 7946 0958{Enter}123');
    await userEvent.type(screen.getByLabelText('Day'), '30');
    await userEvent.selectOptions(screen.getByLabelText('Month'), 'February');
    await userEvent.click(screen.getByRole('button', { name: 'Save contact' }));
    expect(screen.getByLabelText('Phone numbers')).toHaveAccessibleDescription(
      expect.stringContaining('Line 2 ("123"): It is too short for a number in GB.'),
    );
    expect(screen.getByRole('group', { name: 'Birthday' })).toHaveAccessibleDescription(/day and month that exist/);
    expect(screen.getByLabelText('Phone numbers')).toHaveFocus();
    expect(onSubmit).not.toHaveBeenCalled();
  });
});
