import { createHmac } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  checkPreviewToken,
  isPreviewDocId,
  previewKey,
  PREVIEW_TOKEN_TTL_S,
  signPreviewToken,
} from '../../rebuild/preview-token.ts';

// The token format as documented: `v1.<exp>.<docId>.<mac>`, the MAC an HMAC-SHA256 of "v1\n<exp>\n<docId>" under the
// key, base64url; computed here on its own, so that a token can be made for any expiry.
const KEY = Buffer.from('a preview key of thirty-two bytes', 'utf8');
const NOW_S = Date.parse('2026-11-28T12:00:00Z') / 1000;
const NOW = NOW_S * 1000 + 999;
const token = (exp: number, id: string, key = KEY) =>
  `v1.${exp}.${id}.${createHmac('sha256', key).update(`v1\n${exp}\n${id}`).digest('base64url')}`;

describe('isPreviewDocId', () => {
  test('published ids of Sanity characters, 1 to 128 of them, are accepted', () => {
    for (const id of ['a', 'Z', '0', '_', '-', 'story-abc_DEF-123', 'x'.repeat(128), `-${'a'.repeat(127)}`])
      expect(isPreviewDocId(id), id).toBe(true);
  });

  test('draft and version paths, separators, other characters, empty and over-long ids are refused', () => {
    for (const id of ['', 'drafts.a', 'versions.r.a', 'a/b', '../a', 'a b', ' a', 'a ', 'a\n', 'é', 'x'.repeat(129)])
      expect(isPreviewDocId(id), JSON.stringify(id)).toBe(false);
  });
});

describe('signPreviewToken', () => {
  test('the token is v1, the expiry in whole seconds, the id and the HMAC', () => {
    expect(signPreviewToken(KEY, 'story-a', NOW)).toBe(token(NOW_S + 3600, 'story-a'));
    expect(signPreviewToken(KEY, 'story-a', NOW, 60)).toBe(token(NOW_S + 60, 'story-a'));
    expect(PREVIEW_TOKEN_TTL_S).toBe(3600);
  });

  test('a token is never made for more than an hour', () => {
    expect(signPreviewToken(KEY, 'story-a', NOW, 3601)).toBe(token(NOW_S + 3600, 'story-a'));
    expect(signPreviewToken(KEY, 'story-a', NOW, 86_400)).toBe(token(NOW_S + 3600, 'story-a'));
  });

  test('an id that is not a published document id is refused', () => {
    expect(() => signPreviewToken(KEY, 'drafts.story-a', NOW)).toThrow('not a published document id: "drafts.story-a"');
    expect(() => signPreviewToken(KEY, '', NOW)).toThrow('not a published document id: ""');
  });
});

describe('checkPreviewToken', () => {
  test('a token is valid from its making until its expiry, not at it', () => {
    expect(checkPreviewToken(KEY, token(NOW_S + 1, 'story-a'), 'story-a', NOW)).toBeUndefined();
    expect(checkPreviewToken(KEY, token(NOW_S, 'story-a'), 'story-a', NOW)).toBe('token expired');
    expect(checkPreviewToken(KEY, token(NOW_S - 1, 'story-a'), 'story-a', NOW)).toBe('token expired');
    // The expiry is in whole seconds: at 999 ms into the second of the expiry, the token has expired.
    expect(checkPreviewToken(KEY, token(NOW_S, 'story-a'), 'story-a', NOW_S * 1000)).toBe('token expired');
  });

  test('an expiry up to an hour and a minute ahead is accepted (clocks drift), one second more is not', () => {
    expect(checkPreviewToken(KEY, token(NOW_S + 3660, 'story-a'), 'story-a', NOW)).toBeUndefined();
    expect(checkPreviewToken(KEY, token(NOW_S + 3661, 'story-a'), 'story-a', NOW)).toBe('token expires too far ahead');
  });

  test('a valid token for another document is refused', () => {
    expect(checkPreviewToken(KEY, token(NOW_S + 60, 'story-a'), 'story-b', NOW)).toBe('token for another document');
  });

  test('a MAC of another length, another key or another text is a bad signature', () => {
    const good = token(NOW_S + 60, 'story-a');
    const mac = good.split('.')[3] ?? '';
    expect(checkPreviewToken(KEY, `${good}A`, 'story-a', NOW)).toBe('bad signature');
    expect(checkPreviewToken(KEY, good.slice(0, -1), 'story-a', NOW)).toBe('bad signature');
    expect(checkPreviewToken(KEY, `v1.${NOW_S + 60}.story-a.`, 'story-a', NOW)).toBe('bad signature');
    expect(checkPreviewToken(KEY, token(NOW_S + 60, 'story-a', Buffer.from('x'.repeat(32))), 'story-a', NOW)).toBe(
      'bad signature',
    );
    expect(checkPreviewToken(KEY, `v1.${NOW_S + 61}.story-a.${mac}`, 'story-a', NOW)).toBe('bad signature');
    // The version is part of what is signed: the same MAC under another version line does not verify.
    const v2 = createHmac('sha256', KEY)
      .update(`v2\n${NOW_S + 60}\nstory-a`)
      .digest('base64url');
    expect(checkPreviewToken(KEY, `v1.${NOW_S + 60}.story-a.${v2}`, 'story-a', NOW)).toBe('bad signature');
  });

  test('a token of other than four parts, another version, or an expiry not of 1 to 12 digits is malformed', () => {
    const mac = token(NOW_S + 60, 'story-a').split('.')[3] ?? '';
    for (const bad of [
      '',
      'v1',
      `v1.${NOW_S + 60}.story-a`,
      `v1.${NOW_S + 60}.story-a.${mac}.x`,
      `v2.${NOW_S + 60}.story-a.${mac}`,
      `V1.${NOW_S + 60}.story-a.${mac}`,
      `v1..story-a.${mac}`,
      `v1.x${NOW_S + 60}.story-a.${mac}`,
      `v1.${NOW_S + 60}x.story-a.${mac}`,
      `v1.-${NOW_S + 60}.story-a.${mac}`,
      `v1.1${'0'.repeat(12)}.story-a.${mac}`,
    ])
      expect(checkPreviewToken(KEY, bad, 'story-a', NOW), bad).toBe('malformed token');
    // Twelve digits pass the format check, leading zeros too (the MAC is of the number, so this one verifies).
    const padded = token(1, 'story-a').replace('v1.1.', 'v1.000000000001.');
    expect(checkPreviewToken(KEY, padded, 'story-a', NOW)).toBe('token expired');
    expect(checkPreviewToken(KEY, token(999_999_999_999, 'story-a'), 'story-a', NOW)).toBe(
      'token expires too far ahead',
    );
  });
});

describe('previewKey', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'preview-key-unit-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a secret of 32 characters or more is the key, as UTF-8; a shorter one is refused', async () => {
    const file = path.join(dir, 'unused', 'preview.key');
    const secret = 'é'.repeat(32);
    expect((await previewKey(file, secret)).equals(Buffer.from(secret, 'utf8'))).toBe(true);
    await expect(previewKey(file, 'x'.repeat(31))).rejects.toThrow(
      'the preview secret must be at least 32 characters (it is not shown)',
    );
    // No key file is made when a secret is given.
    await expect(stat(path.dirname(file))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('without a secret, 32 random bytes are made once, kept base64url in a file of mode 0600 in a 0700 folder', async () => {
    const file = path.join(dir, 'new', 'deeper', 'preview.key');
    const key = await previewKey(file);
    expect(key.length).toBe(32);
    expect(await readFile(file, 'utf8')).toBe(key.toString('base64url'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect((await previewKey(file)).equals(key)).toBe(true);
    const other = await previewKey(path.join(dir, 'new', 'other.key'));
    expect(other.equals(key)).toBe(false);
  });

  test('a kept key is read with surrounding white space trimmed', async () => {
    const file = path.join(dir, 'trimmed.key');
    const bytes = Buffer.alloc(32, 7);
    await writeFile(file, `\n ${bytes.toString('base64url')}\n`);
    expect((await previewKey(file)).equals(bytes)).toBe(true);
  });

  test('a file that holds fewer than 32 bytes is refused, not used', async () => {
    const file = path.join(dir, 'short.key');
    await writeFile(file, Buffer.alloc(31, 1).toString('base64url'));
    await expect(previewKey(file)).rejects.toThrow(
      `${file} does not hold a preview key: delete it to have a new one made`,
    );
  });

  test('an error other than an existing file is thrown, not read past', async () => {
    await expect(previewKey(path.join(dir, `${'k'.repeat(300)}.key`))).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
    // A path ending in a slash cannot be created (EISDIR); reading it would say ENOENT instead.
    await expect(previewKey(`${path.join(dir, 'slashed.key')}/`)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  test('the key file is closed once written', async () => {
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    await previewKey(path.join(dir, 'closed.key'));
    expect(open()).toBe(before);
  });
});
