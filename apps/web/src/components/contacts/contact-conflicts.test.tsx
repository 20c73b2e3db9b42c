import { router, setPathname } from '../../../test/next-mocks';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Toaster } from '@/components/ui/toast';
import type { ContactConflict } from '@/lib/contact-conflict-model';
import { ContactConflicts } from './contact-conflicts';

const actions = vi.hoisted(() => ({ resolveContactConflictAction: vi.fn() }));
vi.mock('@/lib/actions/contact-conflicts', () => actions);

const conflictId = '0190a0a0-0000-7000-8000-0000000000c1';
const personId = '0190a0a0-0000-7000-8000-000000000001';
const gone: ContactConflict = {
  id: conflictId,
  kind: 'gone',
  personId,
  name: 'Ada King',
  createdAt: '2026-12-07T10:00:00.000Z',
  differences: [],
};

const refusal =
  'Microsoft Graph refused access (ErrorAccessDenied, HTTP 403): the app registration lacks a permission, or an administrator must consent. Check its API permissions, then sign in again.';
const refused: ContactConflict = { ...gone, kind: 'refused', reason: refusal };

const show = (conflicts: ContactConflict[]) =>
  render(
    <Toaster>
      <ContactConflicts conflicts={conflicts} />
    </Toaster>,
  );
/** The toast's title (its live region repeats it for screen readers). */
const toastTitled = (title: string) => screen.findAllByText(title, { exact: true });

describe('contact conflicts', () => {
  beforeEach(() => {
    actions.resolveContactConflictAction.mockReset();
    router.refresh.mockReset();
    router.replace.mockReset();
    setPathname('/contacts');
  });

  it('an edit of a contact Outlook deleted says so, with nothing to compare, and offers saving it again', async () => {
    show([gone]);
    const notice = screen.getByRole('alert');
    expect(notice).toHaveTextContent(
      'Ada King was changed here, but deleted in Outlook meanwhile, so your changes were not saved there.',
    );
    expect(within(notice).queryByRole('table')).toBeNull();
    expect(notice).not.toHaveTextContent('the same now');

    actions.resolveContactConflictAction.mockResolvedValueOnce({ ok: true, data: 'recreated' });
    await userEvent.click(within(notice).getByRole('button', { name: 'Save it to Outlook again' }));
    expect(actions.resolveContactConflictAction).toHaveBeenCalledWith(conflictId, 'local');
    expect(await toastTitled('Ada King is in Outlook again, with your changes')).not.toHaveLength(0);
    expect(router.refresh).toHaveBeenCalled();
  });

  it('"Delete it here too" says it is deleted here, and leaves the person’s own page for the list', async () => {
    setPathname(`/contacts/${personId}`);
    show([gone]);
    actions.resolveContactConflictAction.mockResolvedValueOnce({ ok: true, data: 'gone' });
    await userEvent.click(screen.getByRole('button', { name: 'Delete it here too' }));
    expect(actions.resolveContactConflictAction).toHaveBeenCalledWith(conflictId, 'remote');
    expect(await toastTitled('Deleted Ada King here too')).not.toHaveLength(0);
    expect(router.replace).toHaveBeenCalledWith('/contacts');
    expect(router.refresh).not.toHaveBeenCalled();
  });

  it('"Keep Outlook’s" on an edit Outlook has since deleted says the person is deleted here too, now', async () => {
    show([{ ...gone, kind: 'edited', differences: [{ field: 'Job title', here: 'Countess', outlook: 'Analyst' }] }]);
    actions.resolveContactConflictAction.mockResolvedValueOnce({ ok: true, data: 'gone' });
    await userEvent.click(screen.getByRole('button', { name: 'Keep Outlook’s' }));
    expect(
      await toastTitled('Outlook no longer has Ada King: it was deleted there, so it is deleted here too'),
    ).not.toHaveLength(0);
    // On the list, the list is refreshed (the person drops out of it).
    expect(router.refresh).toHaveBeenCalled();
    expect(router.replace).not.toHaveBeenCalled();
  });

  it('an edit Outlook refused says why, with nothing to compare; "Try again" says when Outlook has it', async () => {
    show([refused]);
    const notice = screen.getByRole('alert');
    expect(
      within(notice)
        .getByText(/^Ada King/)
        .closest('p'),
    ).toHaveTextContent('Ada King was changed here, but Outlook refused the changes, so they are not in Outlook yet.');
    expect(within(notice).getByText(refusal).closest('p')).toHaveTextContent(`Why: ${refusal}`);
    expect(within(notice).queryByRole('table')).toBeNull();
    expect(notice).not.toHaveTextContent('the same now');

    actions.resolveContactConflictAction.mockResolvedValueOnce({ ok: true, data: 'as-chosen' });
    // By keyboard: the choice is a button like any other.
    within(notice).getByRole('button', { name: 'Try again' }).focus();
    await userEvent.keyboard('{Enter}');
    expect(actions.resolveContactConflictAction).toHaveBeenCalledWith(conflictId, 'local');
    expect(await toastTitled('Your changes to Ada King are in Outlook')).not.toHaveLength(0);
    expect(router.refresh).toHaveBeenCalled();
  });

  it('Outlook refusing again says so with the hub’s words; "Keep Outlook’s" says the contact is as Outlook has it', async () => {
    show([refused]);
    const notice = screen.getByRole('alert');
    actions.resolveContactConflictAction.mockResolvedValueOnce({ ok: false, error: refusal });
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await toastTitled('Outlook did not take your changes to Ada King')).not.toHaveLength(0);
    // The hub's words under the title, besides the reason the notice already shows.
    const said = screen.getAllByText(refusal, { exact: true }).filter((el) => !notice.contains(el));
    expect(said).not.toHaveLength(0);

    actions.resolveContactConflictAction.mockResolvedValueOnce({ ok: true, data: 'as-chosen' });
    await userEvent.click(screen.getByRole('button', { name: 'Keep Outlook’s' }));
    expect(actions.resolveContactConflictAction).toHaveBeenLastCalledWith(conflictId, 'remote');
    expect(await toastTitled('Ada King is as Outlook has it')).not.toHaveLength(0);
  });

  it('a deletion Outlook refused says it is still in Outlook, and why; "Keep Outlook’s copy" brings it back', async () => {
    show([{ ...refused, kind: 'refused-deletion' }]);
    const notice = screen.getByRole('alert');
    expect(
      within(notice)
        .getByText(/^Ada King/)
        .closest('p'),
    ).toHaveTextContent('Ada King was deleted here, but Outlook refused the deletion, so it is still in Outlook.');
    expect(within(notice).getByText(refusal).closest('p')).toHaveTextContent(`Why: ${refusal}`);

    actions.resolveContactConflictAction.mockResolvedValueOnce({ ok: false, error: refusal });
    await userEvent.click(within(notice).getByRole('button', { name: 'Try again' }));
    expect(actions.resolveContactConflictAction).toHaveBeenCalledWith(conflictId, 'local');
    expect(await toastTitled('Outlook did not delete Ada King')).not.toHaveLength(0);

    actions.resolveContactConflictAction.mockResolvedValueOnce({ ok: true, data: 'as-chosen' });
    await userEvent.click(within(notice).getByRole('button', { name: 'Keep Outlook’s copy' }));
    expect(actions.resolveContactConflictAction).toHaveBeenLastCalledWith(conflictId, 'remote');
    expect(await toastTitled('Ada King is back, as Outlook has it')).not.toHaveLength(0);
  });
});
