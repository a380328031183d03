import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { corsOriginsFrom, isLoopbackBind, isLoopbackHostHeader } from '../../lake/origins.ts';
import { generatedTokens } from '../../lake/tokens.ts';
import { SignInCodes } from '../../scripts/lib/sign-in-codes.ts';

describe('isLoopbackHostHeader (DNS rebinding)', () => {
  test.each([
    ['localhost', true],
    ['localhost:3333', true],
    ['LOCALHOST:3333', true],
    ['local.localhost:3333', true],
    ['a.b.localhost', true],
    ['127.0.0.1:3333', true],
    ['[::1]:3333', true],
    ['[::1]', true],
    ['attacker.example', false],
    ['localhost.attacker.example', false],
    ['127.0.0.1.nip.io', false],
    ['127.0.0.2', false],
    ['localhost:3333:1', false],
    ['', false],
    ['[::2]:3333', false],
  ])('%s -> %s', (host, expected) => {
    expect(isLoopbackHostHeader(host)).toBe(expected);
  });
});

describe('isLoopbackBind', () => {
  test.each([
    ['127.0.0.1', true],
    ['127.0.1.1', true],
    ['::1', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.20', false],
  ])('%s -> %s', (host, expected) => {
    expect(isLoopbackBind(host)).toBe(expected);
  });
});

describe('corsOriginsFrom', () => {
  test.each([
    ['http://localhost:3334', ['http://localhost:3334'], []],
    [
      ' https://Studio.Example.com/ , http://127.0.0.1:3334',
      ['https://studio.example.com', 'http://127.0.0.1:3334'],
      [],
    ],
    ['', [], []],
    [
      'localhost:3334',
      [],
      [
        'X: expected an origin like http://localhost:3334 (http:// or https://, a host, an optional port, no path), received "localhost:3334"',
      ],
    ],
    [
      'http://localhost:3334/studio',
      [],
      [
        'X: expected an origin like http://localhost:3334 (http:// or https://, a host, an optional port, no path), received "http://localhost:3334/studio"',
      ],
    ],
    [
      'not a url',
      [],
      [
        'X: expected an origin like http://localhost:3334 (http:// or https://, a host, an optional port, no path), received "not a url"',
      ],
    ],
    [
      'file:///tmp/x',
      [],
      [
        'X: expected an origin like http://localhost:3334 (http:// or https://, a host, an optional port, no path), received "file:///tmp/x"',
      ],
    ],
  ])('%j', (raw, origins, problems) => {
    const errors: string[] = [];
    expect(corsOriginsFrom('X', raw, errors)).toEqual(origins);
    expect(errors).toEqual(problems);
  });
});

describe('generatedTokens', () => {
  test('makes one private random token per role once, then reads the same file; a malformed file is named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lake-tokens-'));
    try {
      const first = await generatedTokens(join(dir, 'data'));
      expect(first.created).toBe(true);
      expect(Object.values(first.tokens).map((grant) => grant.role)).toEqual([
        'administrator',
        'editor',
        'viewer',
        'commenter',
      ]);
      expect((await stat(first.file)).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'data'))).mode & 0o777).toBe(0o700);
      const again = await generatedTokens(join(dir, 'data'));
      expect(again).toEqual({ ...first, created: false });
      await writeFile(first.file, '{"t": {"role": "owner"}}');
      await expect(generatedTokens(join(dir, 'data'))).rejects.toThrow(
        `${first.file}: invalid tokens file:\n  - ${first.file}["t"].role: expected "administrator", "editor", "viewer" or "commenter", received "owner"\nFix it, or delete it`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('SignInCodes', () => {
  test('a code is redeemed once; unknown and expired codes give nothing', async () => {
    const codes = new SignInCodes<'editor'>(50);
    const code = codes.issue('editor');
    expect(code).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(codes.redeem(code)).toBe('editor');
    expect(codes.redeem(code)).toBeUndefined();
    expect(codes.redeem('guess')).toBeUndefined();
    const late = codes.issue('editor');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(codes.redeem(late)).toBeUndefined();
  });
});
