import { describe, expect, test } from 'vitest';
import { renderBody } from '../src/lib/body/body.ts';

const html = (markdown: string) => renderBody({ format: 'markdown', value: markdown }).html;

describe('renderBody (markdown)', () => {
  test.each([
    ['script element', '<script>alert(1)</script>\n\ntext', '<p>text</p>'],
    ['event handler', '<img src="/a.png" onerror="alert(1)">', '<img src="/a.png" loading="lazy" decoding="async">'],
    ['javascript: link in markdown', '[x](javascript:alert(1))', '<p><a>x</a></p>'],
    ['javascript: link in HTML, mixed case', '<a href="JaVaScRiPt:alert(1)">x</a>', '<p><a>x</a></p>'],
    ['data: image', '<img src="data:image/svg+xml,<svg onload=alert(1)>">', '<img loading="lazy" decoding="async">'],
    ['iframe', '<iframe src="https://www.youtube.com/embed/x"></iframe>', ''],
    ['form and input', '<form action="https://evil.example"><input name="q"><button>Go</button></form>', 'Go'],
    ['style attribute', '<p style="background:url(x)">x</p>', '<p>x</p>'],
    ['svg script', '<svg><script>alert(1)</script></svg>', '<p></p>'],
  ])('drops %s', (_, input, expected) => {
    expect(html(input).trim()).toBe(expected);
  });

  test('figures with captions and http(s) images are kept', () => {
    expect(html('<figure><img src="http://example.com/a.jpg" alt="A"><figcaption>Caption</figcaption></figure>')).toBe(
      '<figure><img src="http://example.com/a.jpg" alt="A" loading="lazy" decoding="async"><figcaption>Caption</figcaption></figure>',
    );
    expect(html('![B](https://example.com/b.png)')).toBe(
      '<p><img src="https://example.com/b.png" alt="B" loading="lazy" decoding="async"></p>',
    );
  });

  test('a bold label is a lead-in only when it ends with a colon', () => {
    expect(html('**Why it matters:** rates fall.')).toBe(
      '<p><strong class="lead-in">Why it matters:</strong> rates fall.</p>',
    );
    expect(html('**Note: x** and more.')).toBe('<p><strong>Note: x</strong> and more.</p>');
  });

  test('external links get rel=noopener noreferrer; internal links do not', () => {
    expect(html('[a](https://example.com) [b](/tags/war/) [c](//cdn.example.com/x)')).toBe(
      '<p><a href="https://example.com" rel="noopener noreferrer">a</a> <a href="/tags/war/">b</a> <a href="//cdn.example.com/x" rel="noopener noreferrer">c</a></p>',
    );
  });

  test('headings get ids, h1 becomes h2 (the headline is the page h1)', () => {
    expect(html('# Top\n\n## What to watch\n\n## What to watch')).toBe(
      '<h2 id="top">Top</h2>\n<h2 id="what-to-watch">What to watch</h2>\n<h2 id="what-to-watch-1">What to watch</h2>',
    );
  });

  test('labelled lead-ins keep their emphasis and are marked', () => {
    expect(html('**Why it matters:** it does.\n\n**Not a label** here.\n\nText **Zoom in:** mid-paragraph.')).toBe(
      '<p><strong class="lead-in">Why it matters:</strong> it does.</p>\n<p><strong>Not a label</strong> here.</p>\n<p>Text <strong>Zoom in:</strong> mid-paragraph.</p>',
    );
  });

  test('task list checkboxes survive; the plain text is extracted', () => {
    const body = renderBody({ format: 'markdown', value: '- [x] done\n\n**Why it matters:** *stuff*' });
    expect(body.html).toContain('<input type="checkbox" checked disabled>');
    expect(body.text).toBe('done Why it matters: stuff');
  });
});
