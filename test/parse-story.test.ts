import { describe, expect, test } from 'vitest';
import { formatBytes, formatPath, MAX_BODY_BYTES, parseStory } from '../src/lib/model/story.ts';
import { validStory } from './fixtures/valid-story.ts';

// parseStory's rules for dates given as YAML timestamps, image srcsets, the body size limit and unknown fields,
// each against a value or message written out by hand.

const parse = (fields: Record<string, unknown>) => parseStory('id', 'stories/x.md', { ...validStory, ...fields });
const image = (srcset: string) => ({ image: { src: '/images/a.jpg', alt: 'A', srcset } });

describe('parseStory', () => {
  test('a YAML timestamp (a Date) becomes the ISO string of that instant', () => {
    const result = parse({ publishedAt: new Date(Date.UTC(2025, 10, 19, 21, 10)) });
    expect(result.story?.publishedAt).toBe('2025-11-19T21:10:00.000Z');
  });

  test('an invalid Date is refused', () => {
    expect(parse({ publishedAt: new Date(Number.NaN) }).issues.map((i) => i.field)).toEqual(['publishedAt']);
  });

  test('a srcset of site paths or https URLs with width or density descriptors is accepted', () => {
    expect(parse(image('/images/a-480.jpg 480w, https://cdn.example/a-800.jpg 800w')).issues).toEqual([]);
    expect(parse(image('/images/a.jpg, /images/a@2x.jpg 2x')).issues).toEqual([]);
  });

  test('a srcset that does not parse, or with a URL that is not an image URL, is refused with its own message', () => {
    expect(parse(image('/images/a.jpg 480 pixels')).issues).toEqual([
      {
        where: 'stories/x.md',
        field: 'image.srcset',
        message: 'expected a srcset like "/a-480.jpg 480w, /a-800.jpg 800w", received "/images/a.jpg 480 pixels"',
      },
    ]);
    expect(parse(image('/images/a.jpg 1x, javascript:alert(1) 2x')).issues.map((i) => i.message)).toEqual([
      'expected every srcset URL to be a site path like /images/photo.jpg or an https:// URL, received "/images/a.jpg 1x, javascript:alert(1) 2x"',
    ]);
  });

  test('a markdown body one byte over the limit is refused with its size; at the limit it is not', () => {
    expect(parse({ body: { format: 'markdown', value: 'a'.repeat(MAX_BODY_BYTES) } }).issues).toEqual([]);
    const over = parse({ body: { format: 'markdown', value: 'a'.repeat(MAX_BODY_BYTES + 1) } }).issues;
    expect(over).toEqual([
      {
        where: 'stories/x.md',
        field: 'body',
        message: 'the body is 1,048,577 bytes (1 MB), over the limit of 1,048,576 bytes (1 MB)',
        hint: 'split the story in two, or move large material (tables, data) out of the body',
      },
    ]);
  });

  test('a Portable Text body is measured as JSON', () => {
    // Each span text of n characters adds n bytes to the JSON; one block of 1 MB of text is over.
    const block = (text: string) => ({
      _type: 'block',
      _key: 'b',
      style: 'normal',
      markDefs: [],
      children: [{ _type: 'span', _key: 's', text, marks: [] }],
    });
    const issues = parse({ body: { format: 'portable-text', value: [block('a'.repeat(MAX_BODY_BYTES))] } }).issues;
    expect(issues.map((i) => [i.field, i.message.replace(/ \d[\d,]* bytes \([^)]*\), over/, ' N, over')])).toEqual([
      ['body', 'the body is N, over the limit of 1,048,576 bytes (1 MB)'],
    ]);
    const size = Buffer.byteLength(JSON.stringify([block('a'.repeat(MAX_BODY_BYTES))]));
    expect(issues[0]?.message).toContain(`${size.toLocaleString('en-US')} bytes`);
  });

  test('a date string may have spaces around it, and a space instead of the T', () => {
    expect(parse({ publishedAt: ' 2025-11-20 14:30:00Z ' }).story?.publishedAt).toBe('2025-11-20T14:30:00.000Z');
    expect(parse({ publishedAt: ' 2025-11-20 ' }).story?.publishedAt).toBe('2025-11-20T00:00:00.000Z');
    expect(parse({ publishedAt: '2025-11-20T14:30:00+0200' }).story?.publishedAt).toBe('2025-11-20T12:30:00.000Z');
    expect(parse({ publishedAt: '2025-11-20T14:30Z' }).story?.publishedAt).toBe('2025-11-20T14:30:00.000Z');
  });

  test.each([
    '2025-02-30',
    '2025-11-20T14:30',
    '20-11-2025',
    '2025-11-20T25:00:00Z',
    '12025-11-20',
    '2025-11-20T14:30:00Z junk',
    '2025-11-20x',
  ])('the date %j is refused with the expected form', (publishedAt) => {
    expect(parse({ publishedAt }).issues).toEqual([
      {
        where: 'stories/x.md',
        field: 'publishedAt',
        message: `expected a date like 2025-11-20T14:30:00Z (ISO 8601, with a time zone), received "${publishedAt}"`,
      },
    ]);
  });

  test("a markdown body's problems are reported on body, each with its hint and nothing added", () => {
    expect(parse({ body: { format: 'markdown', value: `Intro.\n\n${'> '.repeat(9)}deep` } }).issues).toStrictEqual([
      {
        where: 'stories/x.md',
        field: 'body',
        message: 'line 3 nests quotes or lists more than 8 levels deep',
        hint: 'flatten the quotes or lists',
      },
    ]);
  });

  test('a body over the size limit is not read further: its size is the only problem reported', () => {
    const value = `${'> '.repeat(9)}deep\n\n${'a'.repeat(MAX_BODY_BYTES)}`;
    expect(parse({ body: { format: 'markdown', value } }).issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/^the body is [\d,]+ bytes \(1 MB\), over the limit/),
    ]);
  });

  test('a Portable Text problem is reported on its block, complete as it is, with no hint', () => {
    const issues = parse({ body: { format: 'portable-text', value: [null] } }).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe('body[0]');
    expect(issues[0]?.message).not.toMatch(/received nothing$/);
    expect(issues[0] && 'hint' in issues[0]).toBe(false);
  });

  test('unknown fields: one named in the singular, several in the plural, with the known fields as a hint', () => {
    const [one] = parse({ colour: 'red' }).issues;
    expect(one?.message).toBe('unknown field "colour"');
    expect(one?.hint).toMatch(/^known fields are title, slug, dek, publishedAt, /);
    expect(parse({ colour: 'red', size: 3 }).issues.map((i) => i.message)).toEqual(['unknown fields "colour", "size"']);
  });
});

describe('formatBytes', () => {
  test.each([
    [1000, '1,000 bytes (1 kB)'],
    [1025, '1,025 bytes (2 kB)'],
    [2048, '2,048 bytes (2 kB)'],
    [104_857, '104,857 bytes (103 kB)'],
    [104_858, '104,858 bytes (0.1 MB)'],
    [1_320_150, '1,320,150 bytes (1.3 MB)'],
    [1_048_576, '1,048,576 bytes (1 MB)'],
  ])('%i is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('formatPath', () => {
  test('names a field as an editor reads it', () => {
    expect(formatPath(['tags', 2])).toBe('tags[2]');
    expect(formatPath(['source', 'url'])).toBe('source.url');
    expect(formatPath(['body', 3, 'children', 0, 'text'])).toBe('body[3].children[0].text');
    expect(formatPath([])).toBe('');
  });
});
