// What a share card shows and where (share-image.ts): the rendered JPEG is decoded and its pixels checked against the
// card's layout (1200×630: accent bar at x 80..176, y 72..80; section label from y 108; headline band y 180..520; site
// name on the line at y 570), the headline's font size by title length, the line breaks wrapLines chooses, an own image
// cropped to cover, the JPEG's encoding and the cache. JPEG blurs colours a little: they are compared with a tolerance.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, test } from 'vitest';
import {
  markup,
  renderShareImage,
  shareImageKey,
  wrapLines,
  type ShareImageProps,
} from '../src/lib/site/share-image.ts';

const BACKGROUND = [0x0b, 0x3d, 0x5c];
const ACCENT = [0xff, 0xd1, 0x66];
const WHITE = [255, 255, 255];
const SITE_NAME = [0xcf, 0xe3, 0xef];
const TOLERANCE = 12;

const dirs: string[] = [];
const tempDir = (name: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), name));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Card {
  data: Buffer;
  at(x: number, y: number): number[];
}

async function render(props: ShareImageProps, publicDir = path.resolve('public')): Promise<Card> {
  const jpeg = await renderShareImage(props, { cacheDir: tempDir('share-card-'), publicDir });
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height, info.channels]).toEqual([1200, 630, 3]);
  const at = (x: number, y: number) => [...data.subarray((y * 1200 + x) * 3, (y * 1200 + x) * 3 + 3)];
  return { data, at };
}

const near = (pixel: number[], colour: number[]) => pixel.every((v, i) => Math.abs(v - (colour[i] ?? 0)) <= TOLERANCE);

/** Ink: red well above the background's (every colour drawn on the card has red of 207 or more). */
const inked = (card: Card, x: number, y: number) => (card.at(x, y)[0] ?? 0) > BACKGROUND[0]! + 60;

/** The rows from y0 to y1 (exclusive) with ink between x0 and x1, as runs [first, last]. */
function inkRuns(card: Card, y0: number, y1: number, x0 = 0, x1 = 1200): [number, number][] {
  const runs: [number, number][] = [];
  for (let y = y0; y < y1; y++) {
    let ink = false;
    for (let x = x0; x < x1 && !ink; x++) ink = inked(card, x, y);
    if (!ink) continue;
    const last = runs.at(-1);
    if (last && last[1] === y - 1) last[1] = y;
    else runs.push([y, y]);
  }
  return runs;
}

/** The first and last columns with ink between rows y0 and y1. */
function inkColumns(card: Card, y0: number, y1: number): [number, number] | undefined {
  let first: number | undefined;
  let last = -1;
  for (let x = 0; x < 1200; x++) {
    for (let y = y0; y < y1; y++) {
      if (!inked(card, x, y)) continue;
      first ??= x;
      last = x;
      break;
    }
  }
  return first === undefined ? undefined : [first, last];
}

/** Whether some pixel in the area is within the tolerance of `colour`. */
function shows(card: Card, colour: number[], x0: number, x1: number, y0: number, y1: number): boolean {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (near(card.at(x, y), colour)) return true;
  return false;
}

/** A title of `length` characters: words of capitals without descenders or overshoot, so ink spans the cap height. */
const capitals = (length: number) => 'HILT '.repeat(40).slice(0, length - 1) + 'H';

describe('wrapLines', () => {
  test('an exactly full line is kept whole; one character more moves the word to the next line', () => {
    expect(wrapLines('ab cd', 5, 2)).toEqual(['ab cd']);
    expect(wrapLines('ab cde', 5, 2)).toEqual(['ab', 'cde']);
  });

  test('a word longer than a line is cut into full lines after the line before it', () => {
    expect(wrapLines('ab abcdefgh', 5, 3)).toEqual(['ab', 'abcde', 'fgh']);
    expect(wrapLines('abcdefghij x', 5, 3)).toEqual(['abcde', 'fghij', 'x']);
  });

  test('spaces around and between words do not make lines or words', () => {
    expect(wrapLines('  one \t two\n\nthree  ', 9, 3)).toEqual(['one two', 'three']);
    expect(wrapLines(' \n ', 9, 3)).toEqual([]);
    expect(wrapLines('', 9, 3)).toEqual([]);
  });

  test('text that fits in maxLines has no ellipsis, even when a cut word makes it longer', () => {
    expect(wrapLines('one two three', 9, 2)).toEqual(['one two', 'three']);
    expect(wrapLines('abcdefghij', 5, 2)).toEqual(['abcde', 'fghij']);
  });

  test('cut text ends its last line in "…", within maxChars', () => {
    expect(wrapLines('one two three four five six', 9, 2)).toEqual(['one two', 'three…']);
    // The last line is full: its last character gives way to the ellipsis, and a space before it goes too.
    expect(wrapLines('abc defgh ijk', 9, 1)).toEqual(['abc defg…']);
    expect(wrapLines('abcdefg h ijk', 9, 1)).toEqual(['abcdefg…']);
    // A last line one short of full keeps its characters.
    expect(wrapLines('abc defg ijk', 9, 1)).toEqual(['abc defg…']);
    expect(wrapLines('ab cd ef', 5, 1)).toEqual(['ab c…']);
    // Cut after a word that was cut itself: the spaces the cut adds do not hide the missing word.
    expect(wrapLines('abcdefghijklmno x', 5, 3)).toEqual(['abcde', 'fghij', 'klmn…']);
    expect(wrapLines('abcdefghij x', 5, 2)).toEqual(['abcde', 'fghi…']);
  });
});

describe('markup', () => {
  test('escapes quotes and keeps line breaks and tabs (XML and Pango allow them)', () => {
    expect(markup('say "no"')).toBe('say &quot;no&quot;');
    expect(markup('a\nb\tc\rd\u0007e')).toBe('a\nb\tc\rd e');
  });
});

describe('a story’s card', () => {
  test('background, accent bar, section label, headline in its band and site name, each in its place', async () => {
    const card = await render({ title: capitals(59), section: 'World', site: 'Newsdesk' });
    // The background away from anything drawn: corners, margins, between the parts.
    for (const [x, y] of [
      [20, 20],
      [600, 40],
      [1180, 300],
      [40, 300],
      [600, 160],
      [1150, 350],
      [600, 505],
      [600, 535],
      [1000, 570],
      [600, 615],
    ] as const)
      expect(card.at(x, y), `(${x}, ${y})`).toSatisfy((p: number[]) => near(p, BACKGROUND));
    // The accent bar, and the background around it.
    expect(near(card.at(128, 76), ACCENT)).toBe(true);
    expect(near(card.at(90, 75), ACCENT)).toBe(true);
    expect(near(card.at(128, 62), BACKGROUND)).toBe(true);
    expect(near(card.at(196, 76), BACKGROUND)).toBe(true);
    // The label in the accent colour, capitals 30 px high (cap height 0.73 em), from y 108.
    const label = inkRuns(card, 90, 180);
    expect(label).toHaveLength(1);
    expect(label[0]?.[0]).toBeGreaterThanOrEqual(106);
    expect(label[0]?.[0]).toBeLessThanOrEqual(110);
    expect(shows(card, ACCENT, 80, 200, 108, 130)).toBe(true);
    // The site's name on the line at y 570 (its capitals and ascenders reach about 0.73 em above it).
    const site = inkRuns(card, 530, 630);
    expect(site).toHaveLength(1);
    expect(site[0]?.[1]).toBeGreaterThanOrEqual(567);
    expect(site[0]?.[1]).toBeLessThanOrEqual(572);
    expect(site[0]?.[0]).toBeGreaterThanOrEqual(545);
    expect(shows(card, SITE_NAME, 80, 300, 550, 570)).toBe(true);
    expect(inkColumns(card, 540, 575)?.[0]).toBeGreaterThanOrEqual(80);
    expect(inkColumns(card, 540, 575)?.[0]).toBeLessThanOrEqual(84);
    // The headline: white, from x 80, within the band and centred in it.
    const headline = inkRuns(card, 140, 545);
    expect(headline.length).toBeGreaterThan(0);
    const [top, bottom] = [headline[0]?.[0] ?? 0, headline.at(-1)?.[1] ?? 0];
    expect(top).toBeGreaterThan(180);
    expect(bottom).toBeLessThan(520);
    expect(Math.abs((top + bottom) / 2 - 350)).toBeLessThanOrEqual(6);
    expect(shows(card, WHITE, 80, 1120, top, bottom)).toBe(true);
    const columns = inkColumns(card, 180, 520);
    expect(columns?.[0]).toBeGreaterThanOrEqual(80);
    expect(columns?.[0]).toBeLessThanOrEqual(86);
    expect(columns?.[1]).toBeLessThan(1120);
    // The headline's edges blend the background into white: blue never stands out more than the background's, red never more than green.
    for (let y = top - 4; y < bottom + 4; y++)
      for (let x = 76; x < 1124; x++) {
        const [r = 0, g = 0, b = 0] = card.at(x, y);
        if (b - r > BACKGROUND[2]! - BACKGROUND[0]! + 30 || r - g > 30)
          throw new Error(`(${x}, ${y}): ${card.at(x, y).join(', ')}`);
      }
    // Nothing darker than the background: no row of the band is darker on average.
    for (let y = 160; y < 545; y++) {
      let sum = 0;
      for (let x = 60; x < 1140; x++) sum += card.at(x, y)[1] ?? 0;
      expect(sum / 1080, `row ${y}`).toBeGreaterThanOrEqual(BACKGROUND[1]! - 4);
    }
  });

  test('the headline is 68 px up to 60 characters, 56 px up to 110, else 46 px: seen as its capitals’ height', async () => {
    // DejaVu Serif's capitals are 0.729 em high; lines are about 1.2 em apart plus 0.2 em of spacing.
    for (const [length, size] of [
      [60, 68],
      [61, 56],
      [110, 56],
      [111, 46],
    ] as const) {
      const card = await render({ title: capitals(length), section: 'World', site: 'Newsdesk' });
      const lines = inkRuns(card, 180, 520);
      expect(lines.length, `${length} characters`).toBeGreaterThanOrEqual(2);
      const [first, second] = lines as [[number, number], [number, number]];
      expect(Math.abs(first[1] - first[0] + 1 - 0.729 * size), `${length} characters`).toBeLessThanOrEqual(2);
      expect(Math.abs(second[0] - first[0] - (1.2 * size + Math.round(0.2 * size))), `${length}`).toBeLessThanOrEqual(
        4,
      );
    }
  });

  test('the headline breaks where wrapLines does, even where narrow letters would fit more on a line', async () => {
    // 59 characters at 68 px: lines of at most floor(1040 / (68 × 0.66)) = 23 characters, four words each.
    const title = 'lilt '.repeat(12).trim();
    expect(wrapLines(title, 23, 5)).toHaveLength(3);
    const card = await render({ title, section: 'World', site: 'Newsdesk' });
    const lines = inkRuns(card, 180, 520);
    expect(lines).toHaveLength(3);
    expect(Math.abs((lines[0]![0] + lines[2]![1]) / 2 - 350)).toBeLessThanOrEqual(8);
  });

  test('a headline too tall for its band starts at its top and is cut at its bottom', async () => {
    // Words too wide for their lines at 46 px: Pango wraps each line of 34 characters again, past five lines.
    const card = await render({ title: 'WMWMWMWM '.repeat(20).trim(), section: 'World', site: 'Newsdesk' });
    const runs = inkRuns(card, 140, 545);
    expect(runs[0]?.[0]).toBeGreaterThanOrEqual(180);
    expect(runs[0]?.[0]).toBeLessThan(200);
    expect(runs.at(-1)?.[1]).toBeGreaterThanOrEqual(514);
    expect(runs.at(-1)?.[1]).toBeLessThanOrEqual(521);
    expect(inkRuns(card, 150, 180)).toEqual([]);
  });
  test('a word wider than the card is cut at its right edge, not carried onto the next rows', async () => {
    // 23 characters: one line at 68 px, about 1750 px wide (Pango does not break a word).
    const card = await render({ title: 'W'.repeat(23), section: 'World', site: 'Newsdesk' });
    expect(inkColumns(card, 180, 520)?.[1]).toBeGreaterThanOrEqual(1195);
    expect(inkColumns(card, 180, 520)?.[0]).toBeGreaterThanOrEqual(78);
    expect(inkRuns(card, 180, 520)).toHaveLength(1);
  });
});

describe('a section’s card', () => {
  test('its name where the headline goes, on two lines of at most 22 characters, centred in the band', async () => {
    const card = await render({ section: 'Arts and Culture Weekly', site: 'Newsdesk' });
    const lines = inkRuns(card, 180, 520);
    expect(lines).toHaveLength(2);
    expect(Math.abs((lines[0]![0] + lines[1]![1]) / 2 - 350)).toBeLessThanOrEqual(10);
    expect(shows(card, WHITE, 80, 1120, lines[0]![0], lines[0]![1])).toBe(true);
    const one = await render({ section: 'ocean', site: 'Newsdesk' });
    const name = inkRuns(one, 180, 520);
    expect(name).toHaveLength(1);
    expect(Math.abs((name[0]![0] + name[0]![1]) / 2 - 350)).toBeLessThanOrEqual(10);
  });

  test('the label is the section’s name in capitals, each section and site its own', async () => {
    // Lower-case "ocean" would be x-height high (0.56 em = 17 px); in capitals it is cap height (0.73 em = 22 px).
    const ocean = await render({ section: 'ocean', site: 'Newsdesk' });
    const label = inkRuns(ocean, 90, 160);
    expect(label).toHaveLength(1);
    expect(label[0]![1] - label[0]![0] + 1).toBeGreaterThanOrEqual(21);
    // Another section in the same process gets its own label, not the one drawn first.
    const long = await render({ section: 'ocean and coastal affairs', site: 'Newsdesk' });
    const [short, wide] = [inkColumns(ocean, 100, 140), inkColumns(long, 100, 140)];
    expect(short?.[0]).toBe(wide?.[0]);
    expect((wide?.[1] ?? 0) - (short?.[1] ?? 0)).toBeGreaterThan(200);
  });
});

describe('an own image', () => {
  const publicDir = tempDir('share-public-');
  // Stripes half a unit wide: drawn at the card's size each is one pixel; drawn at its own size and enlarged they would
  // blur into grey. The left half is transparent.
  const stripes = Array.from({ length: 300 }, (_, i) => `<rect x="${300 + i}" y="0" width="0.5" height="315"/>`);
  writeFileSync(
    path.join(publicDir, 'stripes.svg'),
    `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="315">` +
      `<rect x="300" y="0" width="300" height="315" fill="#ffffff"/><g fill="#000000">${stripes.join('')}</g></svg>`,
  );
  // A square: red top fifth, green middle, blue bottom fifth. Covering 1200×630 crops the top and bottom away.
  writeFileSync(
    path.join(publicDir, 'square.svg'),
    `<svg xmlns="http://www.w3.org/2000/svg" width="500" height="500"><rect width="500" height="500" fill="#00ff00"/>` +
      `<rect width="500" height="100" fill="#ff0000"/><rect y="400" width="500" height="100" fill="#0000ff"/></svg>`,
  );

  test('an SVG is drawn at the card’s size, not enlarged from its own; its transparency white', async () => {
    const card = await render({ title: 'T', section: 'S', site: 'N', image: '/stripes.svg' }, publicDir);
    expect(near(card.at(300, 315), WHITE)).toBe(true);
    let contrast = 0;
    for (let x = 700; x < 1100; x++) contrast += Math.abs((card.at(x, 315)[1] ?? 0) - (card.at(x + 1, 315)[1] ?? 0));
    expect(contrast / 400).toBeGreaterThan(80);
  });

  test('an image of another shape covers the card, cropped in the middle', async () => {
    const card = await render({ title: 'T', section: 'S', site: 'N', image: '/square.svg' }, publicDir);
    for (const [x, y] of [
      [600, 2],
      [600, 315],
      [600, 627],
      [2, 315],
      [1197, 315],
    ] as const)
      expect(near(card.at(x, y), [0, 255, 0]), `(${x}, ${y})`).toBe(true);
  });
});

describe('encoding and cache', () => {
  /** The payloads of a JPEG's segments with the given marker, up to the scan. */
  function segments(jpeg: Buffer, marker: number): Buffer[] {
    const found: Buffer[] = [];
    for (let i = 2; i + 4 <= jpeg.length && jpeg[i] === 0xff && jpeg[i + 1] !== 0xda;) {
      const length = jpeg.readUInt16BE(i + 2);
      if (jpeg[i + 1] === marker) found.push(jpeg.subarray(i + 4, i + 2 + length));
      i += 2 + length;
    }
    return found;
  }

  test('quality 80 with the standard Huffman tables (not optimised)', async () => {
    const jpeg = await renderShareImage(
      { title: 'A headline', section: 'World', site: 'Newsdesk' },
      { cacheDir: tempDir('share-jpeg-'), publicDir: path.resolve('public') },
    );
    // IJG quality 80 scales the luminance table by 0.4: 16, 11, 12, 14 (zigzag) become 6, 4, 5, 6.
    expect([...(segments(jpeg, 0xdb)[0] ?? Buffer.alloc(0)).subarray(0, 5)]).toEqual([0, 6, 4, 5, 6]);
    // JPEG Annex K.3: the luminance DC table's code counts by length.
    const dht = Buffer.concat(segments(jpeg, 0xc4));
    const dc = [0, 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
    expect(dht.indexOf(Buffer.from(dc))).toBeGreaterThanOrEqual(0);
  });

  test('a second render is the cached file, read from the cache folder', async () => {
    const cacheDir = tempDir('share-cache-');
    const props = { title: 'Cached', section: 'World', site: 'Newsdesk' };
    const first = await renderShareImage(props, { cacheDir, publicDir: path.resolve('public') });
    const key = shareImageKey(props);
    const file = path.join(cacheDir, 'share-images', key.slice(0, 2), `${key}.jpg`);
    expect(readdirSync(path.dirname(file))).toEqual([`${key}.jpg`]);
    expect((await renderShareImage(props, { cacheDir, publicDir: path.resolve('public') })).equals(first)).toBe(true);
    const other = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ff0000' } })
      .jpeg()
      .toBuffer();
    writeFileSync(file, other);
    expect((await renderShareImage(props, { cacheDir, publicDir: path.resolve('public') })).equals(other)).toBe(true);
  });
});
