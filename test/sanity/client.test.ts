import { describe, expect, test } from 'vitest';
import { describeSanityError, sanityClient } from '../../src/lib/sources/sanity/client.ts';
import type { SanityConfig } from '../../src/lib/sources/sanity/config.ts';

// The client's settings and the one-sentence explanation of each kind of failure, against hand-written errors.

const config: SanityConfig = { projectId: 'abc123', dataset: 'news', apiVersion: '2025-02-19', preview: false };
const local: SanityConfig = { ...config, apiHost: 'http://127.0.0.1:3333' };

describe('sanityClient', () => {
  test('the project host, published perspective and no token by default', () => {
    const c = sanityClient(config).config();
    expect(c.apiHost).toBe('https://api.sanity.io');
    expect(c.useProjectHostname).toBe(true);
    expect(c.perspective).toBe('published');
    expect(c.token).toBeUndefined();
    expect(c.useCdn).toBe(false);
  });

  test('a custom host addressed directly, drafts in preview, the token sent', () => {
    const c = sanityClient({ ...local, preview: true, token: 'secret' }).config();
    expect(c.apiHost).toBe('http://127.0.0.1:3333');
    expect(c.useProjectHostname).toBe(false);
    expect(c.perspective).toBe('drafts');
    expect(c.token).toBe('secret');
  });
});

describe('describeSanityError', () => {
  const reach = (host: string, why: string) =>
    `could not reach Sanity at ${host} (${why}); check SANITY_API_HOST, the network, or start the local API with \`npm run lake\``;

  test.each([
    [
      'a code of its own',
      { code: 'ECONNREFUSED', message: 'x' },
      local,
      reach('http://127.0.0.1:3333', 'ECONNREFUSED'),
    ],
    [
      "fetch's cause code",
      { message: 'fetch failed', cause: { code: 'ENOTFOUND', message: 'getaddrinfo' } },
      config,
      reach('https://abc123.api.sanity.io', 'ENOTFOUND'),
    ],
    [
      'a cause with only a message',
      { message: 'fetch failed', cause: { message: 'bad port' } },
      local,
      reach('http://127.0.0.1:3333', 'bad port'),
    ],
    ['no cause at all', { message: 'fetch failed' }, local, reach('http://127.0.0.1:3333', 'fetch failed')],
    [
      '401',
      { statusCode: 401, message: 'Unauthorized' },
      local,
      'Sanity at http://127.0.0.1:3333 refused the token (401); check SANITY_TOKEN',
    ],
    [
      '403',
      { statusCode: 403, message: 'Forbidden' },
      config,
      'the token may not do this on dataset "news" (403); it needs more permissions',
    ],
    [
      '404',
      { statusCode: 404, message: 'Not found' },
      config,
      'dataset "news" or project "abc123" was not found at https://abc123.api.sanity.io (404); check SANITY_DATASET and SANITY_PROJECT_ID',
    ],
    // A status code means the host answered, even with a code set.
    [
      '500 with a code',
      { statusCode: 500, code: 'E', message: 'Server error' },
      config,
      'Sanity request failed: Server error',
    ],
    ['another message', { message: 'socket hang up' }, config, 'Sanity request failed: socket hang up'],
    ['a thrown string', 'boom', config, 'Sanity request failed: boom'],
  ])('%s', (_, error, settings, expected) => {
    expect(describeSanityError(error, settings)).toBe(expected);
  });
});
