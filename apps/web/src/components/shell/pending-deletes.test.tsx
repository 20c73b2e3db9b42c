import '../../../test/next-mocks';
import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Toaster } from '@/components/ui/toast';
import { PendingDeletesProvider, UNDO_WINDOW_MS, usePendingDeletes } from './pending-deletes';

function Probe({
  commit,
}: {
  commit: (id: string) => Promise<{ ok: true; data: undefined } | { ok: false; error: string }>;
}) {
  const { hidden, remove } = usePendingDeletes();
  return (
    <div>
      <p>{hidden.has('x') ? 'hidden' : 'shown'}</p>
      <button onClick={() => remove({ id: 'x', label: 'Ada' }, commit)}>delete</button>
    </div>
  );
}

const setup = (commit: Parameters<typeof Probe>[0]['commit']) =>
  render(
    <Toaster>
      <PendingDeletesProvider>
        <Probe commit={commit} />
      </PendingDeletesProvider>
    </Toaster>,
  );

describe('PendingDeletesProvider', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('hides at once and deletes only after the undo window', async () => {
    const commit = vi.fn().mockResolvedValue({ ok: true, data: undefined });
    setup(commit);
    act(() => screen.getByText('delete').click());
    expect(screen.getByText('hidden')).toBeInTheDocument();
    expect(commit).not.toHaveBeenCalled();
    await act(async () => vi.advanceTimersByTime(UNDO_WINDOW_MS + 10));
    expect(commit).toHaveBeenCalledWith('x');
  });

  it('Undo brings the item back and nothing is deleted', async () => {
    const commit = vi.fn().mockResolvedValue({ ok: true, data: undefined });
    setup(commit);
    act(() => screen.getByText('delete').click());
    act(() => screen.getByRole('button', { name: 'Undo' }).click());
    expect(screen.getByText('shown')).toBeInTheDocument();
    await act(async () => vi.advanceTimersByTime(UNDO_WINDOW_MS + 10));
    expect(commit).not.toHaveBeenCalled();
  });

  it('rolls back and explains when the hub refuses', async () => {
    const commit = vi.fn().mockResolvedValue({ ok: false, error: 'Your hub ran into a problem.' });
    setup(commit);
    act(() => screen.getByText('delete').click());
    await act(async () => vi.advanceTimersByTime(UNDO_WINDOW_MS + 10));
    expect(screen.getByText('shown')).toBeInTheDocument();
    expect(screen.getByText('Could not delete Ada')).toBeInTheDocument();
  });
});
