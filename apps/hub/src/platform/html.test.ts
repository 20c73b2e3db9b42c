import { describe, expect, it } from 'vitest';
import { sanitizeEmailHtml, textOfHtml } from './html.ts';

describe('sanitizeEmailHtml', () => {
  it('removes everything that runs', () => {
    const hostile = [
      '<script>alert(1)</script>',
      '<p onclick="alert(1)" onmouseover=alert(2)>hi</p>',
      '<a href="javascript:alert(1)">x</a>',
      '<a href="JaVaScRiPt:alert(1)">y</a>',
      '<iframe src="https://evil.example"></iframe>',
      '<form action="https://evil.example"><input name=p></form>',
      '<svg><script>alert(1)</script></svg>',
      '<img src=x onerror=alert(1)>',
      '<img src="data:text/html;base64,PHNjcmlwdD4=">',
      '<div style="position:fixed;top:0;background:url(https://evil.example/t.png)">z</div>',
      '<style>body{display:none}</style>',
      '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    ].join('');
    const safe = sanitizeEmailHtml(hostile);
    expect(safe).not.toMatch(
      /script|onclick|onmouseover|onerror|javascript:|iframe|<form|<input|position|url\(|<style|<meta|text\/html/i,
    );
    expect(safe).toContain('hi');
  });

  it('keeps formatting, tables, links (opened safely) and parks remote images', () => {
    const safe = sanitizeEmailHtml(
      '<table><tr><td style="color: #333; font-weight: bold">Cell</td></tr></table>' +
        '<a href="https://example.com/a">link</a><img src="https://tracker.example/p.gif" alt="logo">' +
        '<img src="cid:logo@x"><img src="data:image/png;base64,iVBORw0KGgo=">',
    );
    expect(safe).toContain('<td style="color:#333;font-weight:bold">Cell</td>');
    expect(safe).toContain(
      '<a href="https://example.com/a" target="_blank" rel="noopener noreferrer nofollow">link</a>',
    );
    expect(safe).toContain('data-src="https://tracker.example/p.gif"');
    expect(safe).not.toMatch(/ src="https:\/\/tracker/);
    expect(safe).toContain('src="cid:logo@x"');
    expect(safe).toContain('src="data:image/png;base64,iVBORw0KGgo="');
  });
});

describe('textOfHtml', () => {
  it('gives readable text with line breaks and decoded entities, without script or style text', () => {
    expect(
      textOfHtml(
        '<style>p{}</style><p>Hello&nbsp;Ada &amp; Bob</p><div>Line&#x20;two<br>three &#8364;</div><script>x()</script>',
      ),
    ).toBe('Hello Ada & Bob\nLine two\nthree €');
  });
});
