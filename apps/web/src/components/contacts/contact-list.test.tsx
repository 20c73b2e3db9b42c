import { emptyContactDetails } from '@/lib/model';
import '../../../test/next-mocks';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PendingDeletesProvider } from '@/components/shell/pending-deletes';
import { Toaster } from '@/components/ui/toast';
import type { Contact } from '@/lib/model';
import { ContactList } from './contact-list';

const make = (i: number, name: string): Contact => ({
  id: `id-${i}`,
  name,
  emails: [`${name.split(' ')[0]!.toLowerCase()}@example.org`],
  phones: [],
  organization: '',
  notes: '',
  ...emptyContactDetails,
  version: 1,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: `2026-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00Z`,
});

function renderList(contacts: Contact[], total = contacts.length) {
  return render(
    <Toaster>
      <PendingDeletesProvider>
        <ContactList initial={contacts} total={total} truncated={false} stamp="1" />
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
    expect(screen.getByRole('status')).toHaveTextContent('2,000 contacts');
  });

  it('filters as you type and offers to add a missing person', async () => {
    renderList([make(1, 'Ada Lovelace'), make(2, 'Grace Hopper')]);
    await userEvent.type(screen.getByLabelText('Search contacts'), 'grace');
    expect(await screen.findByText('1 of 2 contacts match')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Grace Hopper/ })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /Ada Lovelace/ })).not.toBeInTheDocument();
    await userEvent.clear(screen.getByLabelText('Search contacts'));
    await userEvent.type(screen.getByLabelText('Search contacts'), 'Linus');
    expect(await screen.findByRole('link', { name: /Add “Linus”/ })).toHaveAttribute(
      'href',
      '/contacts/new?name=Linus',
    );
  });

  describe('when the page carries only the first rows', () => {
    const all = Array.from({ length: 100 }, (_, i) => make(i, `Person ${String(i).padStart(3, '0')}`));
    afterEach(() => vi.unstubAllGlobals());

    it('fetches the rest, then searches all of them', async () => {
      const fetchAll = vi.fn(async () => Response.json({ rows: all, truncated: false, stamp: '1' }));
      vi.stubGlobal('fetch', fetchAll);
      renderList(all.slice(0, 40), 100);
      expect(await screen.findByText('100 contacts')).toBeInTheDocument();
      expect(fetchAll).toHaveBeenCalledWith('/api/contacts/all', expect.anything());
      await userEvent.type(screen.getByLabelText('Search contacts'), 'Person 099');
      expect(await screen.findByRole('link', { name: /Person 099/ })).toBeInTheDocument();
    });

    it('says what went wrong and retries when asked', async () => {
      const fetchAll = vi
        .fn()
        .mockResolvedValueOnce(Response.json({ error: { message: 'The hub is not reachable.' } }, { status: 502 }))
        .mockResolvedValueOnce(Response.json({ rows: all, truncated: false, stamp: '1' }));
      vi.stubGlobal('fetch', fetchAll);
      renderList(all.slice(0, 40), 100);
      expect(await screen.findByRole('alert')).toHaveTextContent(
        'Only the first 40 contacts could be shown: The hub is not reachable.',
      );
      await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
      // "100 contacts" shows in every state (the total is known), so wait for the refetch itself.
      await waitFor(() => expect(fetchAll).toHaveBeenCalledTimes(2));
      await waitFor(() => expect(screen.queryByRole('alert')).not.toBeInTheDocument());
      await userEvent.type(screen.getByLabelText('Search contacts'), 'Person 099');
      expect(await screen.findByRole('link', { name: /Person 099/ })).toBeInTheDocument();
    });
  });
});
