import '../../../test/next-mocks';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { PendingDeletesProvider } from '@/components/shell/pending-deletes';
import { Toaster } from '@/components/ui/toast';
import type { Contact } from '@/lib/model';
import { ContactList } from './contact-list';

const make = (i: number, name: string): Contact => ({
  id: `id-${i}`, name, emails: [`${name.split(' ')[0]!.toLowerCase()}@example.org`], phones: [], organization: '', notes: '',
  version: 1, createdAt: '2026-01-01T00:00:00Z', updatedAt: `2026-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00Z`,
});

function renderList(contacts: Contact[]) {
  return render(
    <Toaster>
      <PendingDeletesProvider>
        <ContactList contacts={contacts} truncated={false} />
      </PendingDeletesProvider>
    </Toaster>,
  );
}

describe('ContactList', () => {
  it('tells a new user what to do first', () => {
    renderList([]);
    expect(screen.getByRole('heading', { name: 'Add your first contact' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /New contact/ })).toHaveAttribute('href', '/contacts/new');
  });

  it('renders only a window of a long list, sorted by name', () => {
    const many = Array.from({ length: 2000 }, (_, i) => make(i, `Person ${String(i).padStart(4, '0')}`));
    renderList(many);
    const links = screen.getAllByRole('link');
    expect(links.length).toBeLessThan(100);
    expect(links[0]).toHaveTextContent('Person 0000');
    expect(screen.getByRole('status')).toHaveTextContent('2000 contacts');
  });

  it('filters as you type and offers to add a missing person', async () => {
    renderList([make(1, 'Ada Lovelace'), make(2, 'Grace Hopper')]);
    await userEvent.type(screen.getByLabelText('Search contacts'), 'grace');
    expect(await screen.findByText('1 of 2 contacts match')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Grace Hopper/ })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /Ada Lovelace/ })).not.toBeInTheDocument();
    await userEvent.clear(screen.getByLabelText('Search contacts'));
    await userEvent.type(screen.getByLabelText('Search contacts'), 'Linus');
    expect(await screen.findByRole('link', { name: /Add “Linus”/ })).toHaveAttribute('href', '/contacts/new?name=Linus');
  });
});
