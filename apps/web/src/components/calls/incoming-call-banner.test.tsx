import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { IncomingCallBanner } from './incoming-call-banner';
import type { IncomingCall } from './voice-context';

const ada: IncomingCall = {
  callSid: 'CA00000000000000000000000000000001',
  elsewhere: false,
  caller: { number: '+14155550123', label: '+1 415 555 0123', name: 'Ada Lovelace' },
  problem: null,
};

describe('IncomingCallBanner', () => {
  it('names the contact with the number under it, and is announced', () => {
    render(<IncomingCallBanner incoming={ada} onAnswer={vi.fn()} onDecline={vi.fn()} />);
    const banner = screen.getByRole('region', { name: 'Incoming call' });
    expect(banner).toHaveTextContent('Ada Lovelace');
    expect(banner).toHaveTextContent('+1 415 555 0123');
    expect(screen.getByRole('alert')).toHaveTextContent('Incoming call from Ada Lovelace');
  });

  it('shows the number alone when nobody has it', () => {
    const unknown = { ...ada, caller: { number: '+14155550188', label: '+1 415 555 0188', name: null } };
    render(<IncomingCallBanner incoming={unknown} onAnswer={vi.fn()} onDecline={vi.fn()} />);
    expect(screen.getByRole('alert')).toHaveTextContent(/^Incoming call from \+1 415 555 0188$/);
  });

  it('Escape neither declines nor reaches the page behind it', () => {
    const onDecline = vi.fn();
    const behind = vi.fn();
    window.addEventListener('keydown', behind);
    render(<IncomingCallBanner incoming={ada} onAnswer={vi.fn()} onDecline={onDecline} />);
    const decline = screen.getByRole('button', { name: 'Decline' });
    decline.focus();
    fireEvent.keyDown(decline, { key: 'Escape' });
    window.removeEventListener('keydown', behind);
    expect(onDecline).not.toHaveBeenCalled();
    expect(behind).not.toHaveBeenCalled();
    expect(screen.getByRole('region', { name: 'Incoming call' })).toBeInTheDocument();
  });

  it('Answer waits for the microphone, then Decline still works; a problem is said and tied to Answer', async () => {
    let finish: () => void = () => undefined;
    const onAnswer = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const onDecline = vi.fn();
    const { rerender } = render(<IncomingCallBanner incoming={ada} onAnswer={onAnswer} onDecline={onDecline} />);
    fireEvent.click(screen.getByRole('button', { name: 'Answer' }));
    expect(onAnswer).toHaveBeenCalledOnce();
    expect(await screen.findByRole('button', { name: 'Answering…' })).toBeDisabled();
    finish();
    rerender(
      <IncomingCallBanner
        incoming={{ ...ada, problem: 'Your browser blocked the microphone.' }}
        onAnswer={onAnswer}
        onDecline={onDecline}
      />,
    );
    const answer = await screen.findByRole('button', { name: 'Answer' });
    expect(answer).toBeEnabled();
    expect(answer).toHaveAccessibleDescription('Your browser blocked the microphone.');
    fireEvent.click(screen.getByRole('button', { name: 'Decline' }));
    expect(onDecline).toHaveBeenCalledOnce();
  });

  it('ringing in another tab of this browser: says so, tied to Answer, and both buttons still act', () => {
    const onAnswer = vi.fn(async () => undefined);
    const onDecline = vi.fn();
    render(<IncomingCallBanner incoming={{ ...ada, elsewhere: true }} onAnswer={onAnswer} onDecline={onDecline} />);
    const banner = screen.getByRole('region', { name: 'Incoming call' });
    expect(banner).toHaveTextContent('Ringing in another tab of this browser');
    expect(screen.getByRole('alert')).toHaveTextContent('Incoming call from Ada Lovelace');
    expect(screen.getByRole('button', { name: 'Answer' })).toHaveAccessibleDescription(
      /^Ringing in another tab of this browser\./,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Answer' }));
    fireEvent.click(screen.getByRole('button', { name: 'Decline' }));
    expect(onAnswer).toHaveBeenCalledOnce();
    expect(onDecline).toHaveBeenCalledOnce();
  });
});
