import { act, fireEvent, render, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { SignInAgainNotices } from './sign-in-again';

const work = { id: 'c1', provider: 'microsoft', label: 'ada@contoso.example' };

describe('SignInAgainNotices', () => {
  beforeEach(() => window.sessionStorage.clear());

  it('says which account needs a sign-in, with the way to do it', async () => {
    render(<SignInAgainNotices connections={[work]} />);
    const notices = await screen.findByRole('region', { name: 'Connections that need you' });
    expect(notices).toHaveTextContent(
      'Microsoft 365 (ada@contoso.example) needs you to sign in again — syncing is paused. Sign in again',
    );
    expect(screen.getByRole('link', { name: 'Sign in again' })).toHaveAttribute('href', '/settings/connections');
  });

  it('stays hidden for the session once hidden, and only that one', async () => {
    const other = { id: 'c2', provider: 'microsoft', label: 'ada@home.example' };
    const { unmount } = render(<SignInAgainNotices connections={[work, other]} />);
    fireEvent.click(
      await screen.findByRole('button', { name: 'Hide the notice about ada@contoso.example for this session' }),
    );
    expect(screen.queryByText(/ada@contoso\.example/)).toBeNull();
    unmount();
    // The next page (or a reload) in the same session.
    await act(async () => {
      render(<SignInAgainNotices connections={[work, other]} />);
    });
    expect(screen.queryByText(/ada@contoso\.example/)).toBeNull();
    expect(screen.getByText(/ada@home\.example/)).toBeInTheDocument();
  });

  it('shows nothing when every connection is signed in', () => {
    const { container } = render(<SignInAgainNotices connections={[]} />);
    expect(container).toBeEmptyDOMElement();
  });
});
