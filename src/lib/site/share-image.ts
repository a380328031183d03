/**
 * Each story's share image (`og:image`): a 1200×630 JPEG, its own image cropped to that size when it has one in
 * public/, else a card drawn from its headline and section (an SVG rendered by sharp with the machine's fonts;
 * DejaVu on Debian). Images are kept in the cache folder by a digest of what they show, so that a build whose code
 * changed (every page rendered again) or a new output folder does not draw them again.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../atomic-write.ts';
import { cacheKey } from '../body/cache-key.ts';
import { isSitePath } from './urls.ts';

export const SHARE_IMAGE = { width: 1200, height: 630, type: 'image/jpeg' } as const;

/** Changes whenever the drawing below does, so that cached images of the old drawing are not used. */
const DRAWING = 1;

/** What a share image shows: the headline, the section's name, the site's name, and the story's own image if any. */
export interface ShareImageProps {
  title: string;
  section: string;
  site: string;
  /** A site path (public/) of the story's image; remote images are not fetched by the build. */
  image?: string;
}

/** The share image's path on the site. */
export const shareImagePath = (slug: string): string => `/share/${slug}.jpg`;

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
    ...(image !== undefined && isSitePath(image) ? { image: image.split(/[?#]/, 1)[0] ?? image } : {}),
  };
}

/** The digest a share image is cached by. */
export const shareImageKey = (props: ShareImageProps): string => cacheKey('share', DRAWING, props);

const xml = (text: string): string =>
  text
    // Control characters, lone surrogates and U+FFFE/U+FFFF are not allowed in XML: they would make the SVG unreadable.
    .replace(/[\p{Cc}\p{Cs}\ufffe\uffff]/gu, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/**
 * Splits text into at most `maxLines` lines of about `maxChars` characters at spaces (a longer word is cut), the
 * last one ending in "…" when the text does not fit.
 */
export function wrapLines(text: string, maxChars: number, maxLines: number): string[] {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (let i = 0; i < words.length; i++) {
    let word = words[i] ?? '';
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
    if (lines.length >= maxLines) break;
  }
  if (line && lines.length < maxLines) lines.push(line);
  const all = words.join(' ');
  const shown = lines.slice(0, maxLines);
  if (shown.join(' ').length < all.length) {
    const last = shown[maxLines - 1] ?? '';
    shown[maxLines - 1] = `${last.length >= maxChars ? last.slice(0, maxChars - 1).trimEnd() : last}…`;
  }
  return shown;
}

/** The card drawn for a story without an image of its own: section, headline, site name. */
export function shareCardSvg({ title, section, site }: ShareImageProps): string {
  const { width, height } = SHARE_IMAGE;
  // A bold serif glyph is about 0.6 em wide on average: the headline's size keeps it within five lines.
  const size = title.length <= 60 ? 68 : title.length <= 110 ? 56 : 46;
  const lines = wrapLines(title, Math.floor(1040 / (size * 0.6)), 5);
  const lineHeight = Math.round(size * 1.2);
  const top = 200 + Math.max(0, (5 - lines.length) * lineHeight) / 2 - lineHeight;
  const tspans = lines
    .map((l, i) => `<tspan x="80" y="${Math.round(top + (i + 1) * lineHeight)}">${xml(l)}</tspan>`)
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="${width}" height="${height}" fill="#0b3d5c"/>` +
    `<rect x="80" y="72" width="96" height="8" fill="#ffd166"/>` +
    `<text x="80" y="140" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="30" letter-spacing="2" fill="#ffd166">${xml(section.toUpperCase())}</text>` +
    `<text font-family="DejaVu Serif, serif" font-weight="bold" font-size="${size}" fill="#ffffff">${tspans}</text>` +
    `<text x="80" y="570" font-family="DejaVu Sans, sans-serif" font-size="30" fill="#cfe3ef">${xml(site)}</text>` +
    `</svg>`
  );
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
  sharp.concurrency(1);
  const { width, height } = SHARE_IMAGE;
  const own = props.image === undefined ? undefined : path.join(publicDir, ...props.image.split('/').filter(Boolean));
  const input =
    own !== undefined && own.startsWith(publicDir + path.sep) && existsSync(own)
      ? sharp(own, { density: 144 }).resize(width, height, { fit: 'cover' })
      : sharp(Buffer.from(shareCardSvg(props)));
  const image = await input.flatten({ background: '#ffffff' }).jpeg({ quality: 80 }).toBuffer();
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, image, { durable: false });
  return image;
}
