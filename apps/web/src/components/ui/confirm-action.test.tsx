import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ConfirmAction } from './confirm-action';

describe('ConfirmAction', () => {
  it('acts only on the second press, then asks again next time', async () => {
    const onConfirm = vi.fn(async () => {});
    const confirming: boolean[] = [];
    render(
      <ConfirmAction
        label="Revoke"
        confirmLabel="Revoke now"
        subject="Pixel"
        onConfirm={onConfirm}
        onConfirmingChange={(c) => confirming.push(c)}
      />,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Revoke Pixel' }));
    expect(onConfirm).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole('button', { name: 'Revoke Pixel now' }));
    expect(onConfirm).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('button', { name: 'Revoke Pixel' })).toBeTruthy();
    expect(confirming).toEqual([true, false]);
  });

  it('the cancel button steps back without acting', async () => {
    const onConfirm = vi.fn();
    render(<ConfirmAction label="Revoke" confirmLabel="Revoke now" subject="Pixel" onConfirm={onConfirm} />);
    await userEvent.click(screen.getByRole('button', { name: 'Revoke Pixel' }));
    await userEvent.click(screen.getByRole('button', { name: 'Keep it' }));
    expect(screen.queryByRole('button', { name: 'Revoke Pixel now' })).toBeNull();
    expect(onConfirm).not.toHaveBeenCalled();
  });
});
