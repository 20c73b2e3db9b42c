import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Highlighted } from './highlighted';

describe('Highlighted', () => {
  it('marks matches and unescapes text without interpreting HTML', () => {
    const { container } = render(<Highlighted snippet={'Tom &amp; <mark>Ada</mark> &lt;script&gt;'} />);
    expect(container.textContent).toBe('Tom & Ada <script>');
    expect(container.querySelectorAll('mark')).toHaveLength(1);
    expect(container.querySelector('mark')?.textContent).toBe('Ada');
    expect(container.querySelector('script')).toBeNull();
  });
});
