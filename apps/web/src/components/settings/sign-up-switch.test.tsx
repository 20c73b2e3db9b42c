import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const setSignUpOpenAction = vi.fn();
vi.mock('@/lib/actions/account', () => ({ setSignUpOpenAction: (open: boolean) => setSignUpOpenAction(open) }));
const { SignUpSwitch } = await import('./sign-up-switch');

describe('SignUpSwitch', () => {
  beforeEach(() => setSignUpOpenAction.mockReset());

  it('is a labelled switch that says what its state means', async () => {
    setSignUpOpenAction.mockResolvedValue({
      ok: true,
      data: { defaultRegion: null, hubOwner: true, signUpOpen: false },
    });
    render(<SignUpSwitch initial />);
    const toggle = screen.getByRole('switch', { name: 'Let new people sign up' });
    expect(toggle).toHaveAttribute('aria-checked', 'true');
    expect(toggle).toHaveAccessibleDescription(/Open: anyone/);
    await userEvent.click(toggle);
    expect(setSignUpOpenAction).toHaveBeenCalledWith(false);
    expect(toggle).toHaveAttribute('aria-checked', 'false');
    expect(toggle).toHaveAccessibleDescription(/Closed: only existing accounts/);
  });

  it('keeps the state and shows why when the hub refuses', async () => {
    setSignUpOpenAction.mockResolvedValue({ ok: false, error: "Only the hub's owner can open or close sign-up." });
    render(<SignUpSwitch initial />);
    await userEvent.click(screen.getByRole('switch'));
    expect(screen.getByRole('switch')).toHaveAttribute('aria-checked', 'true');
    expect(screen.getByRole('alert')).toHaveTextContent("Only the hub's owner");
  });
});
