/**
 * Signed preview tokens: `v1.<exp>.<docId>.<mac>`, the MAC an HMAC-SHA256 of the version, expiry (seconds since the
 * epoch) and published document id under the preview key. A token shows one document's draft until it expires (at
 * most an hour), so a leaked link shows one draft for at most an hour; deleting the key revokes every token.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';

/** How long a token is valid, at most. */
export const PREVIEW_TOKEN_TTL_S = 3600;

/** Document ids the preview accepts: Sanity's id characters, no path (`drafts.`, `versions.`) or separators. */
const DOC_ID = /^[A-Za-z0-9_-][A-Za-z0-9_-]{0,127}$/;

/** Whether `id` is a published document id a token may name. */
export function isPreviewDocId(id: string): boolean {
  return DOC_ID.test(id);
}

function mac(key: Buffer, exp: number, docId: string): string {
  return createHmac('sha256', key).update(`v1\n${exp}\n${docId}`).digest('base64url');
}

/** A token for `docId`, valid for `ttlS` seconds from `now` (at most PREVIEW_TOKEN_TTL_S). */
export function signPreviewToken(key: Buffer, docId: string, now = Date.now(), ttlS = PREVIEW_TOKEN_TTL_S): string {
  if (!isPreviewDocId(docId)) throw new Error(`not a published document id: ${JSON.stringify(docId)}`);
  const exp = Math.floor(now / 1000) + Math.min(ttlS, PREVIEW_TOKEN_TTL_S);
  return `v1.${exp}.${docId}.${mac(key, exp, docId)}`;
}

/**
 * Checks `token` for `docId` at `now`: the reason it is refused, or undefined when it is valid. A token whose expiry
 * is past, or further ahead than a token is ever made for, is refused, as is one for another document.
 */
export function checkPreviewToken(key: Buffer, token: string, docId: string, now = Date.now()): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1') return 'malformed token';
  const [, expText, id, given] = parts as [string, string, string, string];
  if (!/^\d{1,12}$/.test(expText)) return 'malformed token';
  const exp = Number(expText);
  const expected = Buffer.from(mac(key, exp, id));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return 'bad signature';
  if (id !== docId) return 'token for another document';
  const nowS = Math.floor(now / 1000);
  if (exp <= nowS) return 'token expired';
  if (exp > nowS + PREVIEW_TOKEN_TTL_S + 60) return 'token expires too far ahead';
  return undefined;
}

/**
 * The preview key: `secret` (PREVIEW_SECRET, at least 32 characters) when given, else 32 random bytes kept in `file`,
 * made on first use with mode 0600 (opened with `wx`, so two starts never overwrite each other's key).
 */
export async function previewKey(file: string, secret?: string): Promise<Buffer> {
  if (secret !== undefined) {
    if (secret.length < 32) throw new Error('the preview secret must be at least 32 characters (it is not shown)');
    return Buffer.from(secret); // as UTF-8
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    const handle = await open(file, 'wx', 0o600);
    try {
      const key = randomBytes(32);
      await handle.writeFile(key.toString('base64url'));
      await handle.sync();
      return key;
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // The base64url decoder skips white space (a newline an editor added).
  const key = Buffer.from(await readFile(file, 'utf8'), 'base64url');
  if (key.length < 32) throw new Error(`${file} does not hold a preview key: delete it to have a new one made`);
  return key;
}
