import { render, screen } from '@testing-library/react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { LocalTime } from './local-time';

describe('LocalTime', () => {
  const iso = '2026-01-15T23:30:00Z';

  it('renders a neutral date on the server, never a zone the server guessed', () => {
    const html = renderToString(<LocalTime iso={iso} />);
    expect(html).toContain('dateTime="2026-01-15T23:30:00Z"');
    expect(html).toContain('>2026-01-15<');
    expect(html).not.toContain('UTC');
  });

  it("shows the reader's local date and time in the browser", () => {
    render(<LocalTime iso={iso} />);
    const expected = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(
      new Date(iso),
    );
    expect(screen.getByText(expected).tagName).toBe('TIME');
  });

  it('shows the fallback for a missing or broken time', () => {
    render(
      <p>
        <LocalTime iso={null} /> and <LocalTime iso="yesterday-ish" fallback="unknown" />
      </p>,
    );
    expect(screen.getByText(/— and unknown/)).toBeInTheDocument();
  });
});
