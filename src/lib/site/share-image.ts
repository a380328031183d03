/**
 * Each story's share image (`og:image`): a 1200×630 JPEG, its own image cropped to that size when it has one in
 * public/, else a card drawn from its headline and section with sharp (Pango lays the text out with the machine's
 * fonts: DejaVu on Debian). Images are kept in the cache folder by a digest of what they show, so that a build whose code
 * changed (every page rendered again) or a new output folder does not draw them again.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../atomic-write.ts';
import { cacheKey } from '../body/cache-key.ts';
import { publicFile } from './content-image.ts';
import { isSitePath } from './urls.ts';

export const SHARE_IMAGE = { width: 1200, height: 630, type: 'image/jpeg' } as const;

/** Changes whenever the drawing below does, so that cached images of the old drawing are not used. */
const DRAWING = 4;

/**
 * What a share image shows: the headline, the section's name, the site's name, and the story's own image if any. A
 * section's card (see share-policy.ts) has no headline.
 */
export interface ShareImageProps {
  title?: string;
  section: string;
  site: string;
  /** A site path (public/) of the story's image; remote images are not fetched by the build. */
  image?: string;
}

/** The share image's path on the site. */
export const shareImagePath = (slug: string): string => `/share/${slug}.jpg`;

/** A section's card: its name and the site's, no headline (the share image of its older stories). */
export const sectionShareImagePath = (slug: string): string => `/share/sections/${slug}.jpg`;

/** The props of a section's card. */
export const sectionShareImageProps = (section: { name: string }, site: string): ShareImageProps => ({
  section: section.name,
  site,
});

/**
 * A 1200×630 JPEG crop of a Sanity image (`https://…/images/<project>/<dataset>/<id>-<w>x<h>.<ext>`, the CDN's or the
 * lake's), keeping the editor's crop (`rect`); undefined for any other URL. The image service draws it, not the build.
 */
export function sanityShareImageUrl(src: string): string | undefined {
  if (!/^https?:\/\//i.test(src) || !URL.canParse(src)) return undefined;
  const url = new URL(src);
  if (!/^\/images\/[\w-]+\/[\w.-]+\/\w+-\d+x\d+\.[a-z0-9]+$/i.test(url.pathname)) return undefined;
  const rect = url.searchParams.get('rect');
  const { width, height } = SHARE_IMAGE;
  const params = new URLSearchParams({ ...(rect !== null ? { rect } : {}), w: String(width), h: String(height) });
  params.set('fit', 'crop');
  params.set('fm', 'jpg');
  params.set('q', '80');
  url.search = params.toString();
  url.hash = '';
  return url.href;
}

/** The props of a story's share image. */
export function shareImageProps(
  story: { title: string; section: { name: string }; image?: { src: string } | undefined },
  site: string,
): ShareImageProps {
  const image = story.image?.src;
  return {
    title: story.title,
    section: story.section.name,
    site,
    // Stryker disable next-line ConditionalExpression: a narrowing for the type; isSitePath(undefined) is false anyway
    ...(image !== undefined && isSitePath(image) ? { image: image.split(/[?#]/, 1)[0] ?? image } : {}),
  };
}

/** The digest a share image is cached by. */
// Stryker disable next-line StringLiteral: the key only names files in share-images/, where no other cache writes
export const shareImageKey = (props: ShareImageProps): string => cacheKey('share', DRAWING, props);

/** Text for Pango markup or SVG: escaped, without the characters neither allows. */
export const markup = (text: string): string =>
  text
    // Control characters other than tab and line breaks, lone surrogates and U+FFFE/U+FFFF are not allowed in XML or
    // Pango markup. A line break is kept: it ends a line of the headline (see wrapLines).
    .replace(/(?![\t\n\r])[\p{Cc}\p{Cs}\ufffe\uffff]/gu, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/**
 * Splits text into at most `maxLines` lines of about `maxChars` characters at spaces (a longer word is cut), the
 * last one ending in "…" when the text does not fit.
 */
export function wrapLines(text: string, maxChars: number, maxLines: number): string[] {
  const words = text.match(/\S+/g) ?? [];
  const lines: string[] = [];
  let line = '';
  for (let word of words) {
    // A word of exactly maxChars ends its line here or when the next word does not fit: the same lines.
    // Stryker disable next-line EqualityOperator: see the line above
    while (word.length > maxChars) {
      if (line) lines.push(line);
      lines.push(word.slice(0, maxChars));
      line = '';
      word = word.slice(maxChars);
    }
    const next = line ? `${line} ${word}` : word;
    if (next.length <= maxChars) line = next;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  if (lines.length <= maxLines) return lines;
  const shown = lines.slice(0, maxLines);
  // Stryker disable next-line StringLiteral: there are more than maxLines lines here, so this one exists
  const last = shown[maxLines - 1] ?? '';
  // The ellipsis takes the place of the last character of a full line (a line never ends in a space).
  shown[maxLines - 1] = `${last.slice(0, maxChars - 1).trimEnd()}…`;
  return shown;
}

const CARD = {
  background: '#0b3d5c',
  accent: '#ffd166',
  text: [255, 255, 255] as [number, number, number],
  label: [255, 209, 102] as [number, number, number],
} as const;

/** The card's background with the site's name, drawn once per process (raw RGB). */
const backgrounds = new Map<string, Promise<Buffer>>();
function background(site: string): Promise<Buffer> {
  let drawn = backgrounds.get(site);
  // Stryker disable next-line ConditionalExpression: a memo; drawing the background again gives the same pixels
  if (drawn === undefined) {
    const { width, height } = SHARE_IMAGE;
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect width="${width}" height="${height}" fill="${CARD.background}"/>` +
      `<rect x="80" y="72" width="96" height="8" fill="${CARD.accent}"/>` +
      `<text x="80" y="570" font-family="DejaVu Sans, sans-serif" font-size="30" fill="#cfe3ef">${markup(site)}</text>` +
      `</svg>`;
    drawn = sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer();
    // Stryker disable next-line CallExpression: a memo; drawing the background again gives the same pixels
    backgrounds.set(site, drawn);
  }
  return drawn;
}

/** How many backgrounds with a section's label a process keeps (2.3 MB each); a site has a few dozen sections. */
const LABELLED_KEPT = 64;
/** The background with a section's label, drawn once per process and section (raw RGB; copy it to paint on it). */
const labelled = new Map<string, Promise<Buffer>>();
function labelledBackground(site: string, section: string): Promise<Buffer> {
  const key = `${site}\u0000${section}`;
  let drawn = labelled.get(key);
  // Stryker disable next-line ConditionalExpression: a memo; drawing the label again gives the same pixels
  if (drawn === undefined) {
    drawn = (async () => {
      const image = Buffer.from(await background(site));
      paint(image, await textMask(section.toUpperCase(), 'DejaVu Sans Bold 30px', 1040, 0), 80, 108, 150, CARD.label);
      return image;
    })();
    // Stryker disable next-line all: which memo entries are kept changes memory use, not pixels
    if (labelled.size >= LABELLED_KEPT) labelled.delete(labelled.keys().next().value as string);
    // Stryker disable next-line CallExpression: a memo; drawing the label again gives the same pixels
    labelled.set(key, drawn);
  }
  return drawn;
}

/** Text drawn by Pango as a one-channel coverage mask, at most `width` wide. */
async function textMask(text: string, font: string, width: number, spacing: number) {
  const { data, info } = await sharp({ text: { text: markup(text), font, width, dpi: 72, wrap: 'word', spacing } })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Paints `colour` through a coverage mask onto a raw RGB image, clipped to rows `top` to `bottom`. */
function paint(
  image: Buffer,
  mask: { data: Buffer; width: number; height: number },
  left: number,
  top: number,
  bottom: number,
  colour: readonly [number, number, number],
): void {
  const { width } = SHARE_IMAGE;
  const [r, g, b] = colour;
  const rows = Math.min(mask.height, bottom - top);
  const columns = Math.min(mask.width, width - left);
  const data = mask.data;
  for (let y = 0; y < rows; y++) {
    const from = y * mask.width;
    let o = ((top + y) * width + left) * 3;
    for (let x = 0; x < columns; x++, o += 3) {
      const a = data[from + x] as number;
      // Stryker disable next-line ConditionalExpression: a shortcut; no coverage leaves the pixel as it is
      if (a === 0) continue;
      const k = 255 - a;
      image[o] = Math.round(((image[o] as number) * k + r * a) / 255);
      image[o + 1] = Math.round(((image[o + 1] as number) * k + g * a) / 255);
      image[o + 2] = Math.round(((image[o + 2] as number) * k + b * a) / 255);
    }
  }
}

/**
 * The card drawn for a story without an image of its own: section, headline (at most five lines, centred in its
 * band) and site name, as raw RGB; a section's card has the section's name where the headline goes. Pango lays the
 * text out with the machine's fonts; the background and each section's label are drawn once.
 */
async function drawCard({ title, section, site }: ShareImageProps): Promise<Buffer> {
  const image = Buffer.from(await labelledBackground(site, section));
  if (title === undefined) {
    const name = await textMask(wrapLines(section, 22, 2).join('\n'), 'DejaVu Serif Bold 68px', 1040, 14);
    paint(image, name, 80, 180 + Math.max(0, Math.floor((340 - name.height) / 2)), 520, CARD.text);
    return image;
  }
  // A bold serif glyph is at most about 0.66 em wide on average: the size keeps the headline within five lines.
  const size = title.length <= 60 ? 68 : title.length <= 110 ? 56 : 46;
  const lines = wrapLines(title, Math.floor(1040 / (size * 0.66)), 5);
  const headline = await textMask(lines.join('\n'), `DejaVu Serif Bold ${size}px`, 1040, Math.round(size * 0.2));
  const band = { top: 180, bottom: 520 };
  const top = band.top + Math.max(0, Math.floor((band.bottom - band.top - headline.height) / 2));
  paint(image, headline, 80, top, band.bottom, CARD.text);
  return image;
}

/** Where a share image is cached: `<cacheDir>/share-images/<2 characters>/<digest>.jpg`. */
const cachedFile = (cacheDir: string, key: string): string =>
  path.join(cacheDir, 'share-images', key.slice(0, 2), `${key}.jpg`);

/**
 * Renders a share image (or reads it from the cache). `publicDir` is where site paths of images are read from.
 */
export async function renderShareImage(
  props: ShareImageProps,
  { cacheDir, publicDir }: { cacheDir: string; publicDir: string },
): Promise<Buffer> {
  const file = cachedFile(cacheDir, shareImageKey(props));
  const cached = await readFile(file).catch(() => undefined);
  if (cached) return cached;
  // One thread per image: render processes already run side by side, and libvips' pool costs more than it gives here.
  // Stryker disable next-line CallExpression: the number of threads changes the speed, not the image
  sharp.concurrency(1);
  const { width, height } = SHARE_IMAGE;
  // Stryker disable next-line ConditionalExpression: publicFile of no path is undefined too (it catches the error)
  const own = props.image === undefined ? undefined : publicFile(publicDir, props.image);
  const input =
    // Stryker disable next-line ConditionalExpression,LogicalOperator: existsSync(undefined) is false
    own !== undefined && existsSync(own)
      ? // Resized to cover the card and cropped (sharp's default fit; it draws an SVG at the size the resize needs),
        // transparency white.
        sharp(own).resize(width, height).flatten({ background: '#ffffff' })
      : sharp(await drawCard(props), { raw: { width, height, channels: 3 } });
  // Without optimised Huffman tables: about 3 ms less per image for files about 5 % larger.
  const image = await input.jpeg({ quality: 80, optimiseCoding: false }).toBuffer();
  await mkdir(path.dirname(file), { recursive: true });
  // Stryker disable next-line ObjectLiteral,BooleanLiteral: whether the file is synced to disk is not seen by a test
  await writeFileAtomic(file, image, { durable: false });
  return image;
}
