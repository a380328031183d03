import { describe, expect, test } from 'vitest';
import { serviceConfigFromEnv } from '../../rebuild/config.ts';

const ENV = { SANITY_PROJECT_ID: 'local', SANITY_WEBHOOK_SECRET: 'a-secret-of-sixteen-or-more' };

test('NEWS_TIME_ZONE: the zone pages print dates in, UTC by default; an unknown name is a problem', () => {
  expect(serviceConfigFromEnv(ENV).config?.timeZone).toBe('UTC');
  expect(serviceConfigFromEnv({ ...ENV, NEWS_TIME_ZONE: 'Europe/Berlin' }).config?.timeZone).toBe('Europe/Berlin');
  const { config, problems } = serviceConfigFromEnv({ ...ENV, NEWS_TIME_ZONE: 'Europe/Atlantis' });
  expect(config).toBeUndefined();
  expect(problems.join('\n')).toMatch(
    /NEWS_TIME_ZONE.*expected a time zone such as Europe\/Berlin, received "Europe\/Atlantis"/,
  );
});

test('SITE_URL: a production service (NODE_ENV=production, CI) will not start with the localhost default', () => {
  for (const env of [{ NODE_ENV: 'production' }, { CI: 'true' }]) {
    const { config, problems } = serviceConfigFromEnv({ ...ENV, ...env });
    expect(config).toBeUndefined();
    expect(problems).toEqual([expect.stringContaining('SITE_URL is not set: a production build')]);
  }
  expect(serviceConfigFromEnv({ ...ENV, CI: 'true', SITE_URL: 'https://news.example.com' }).config).toBeDefined();
  expect(serviceConfigFromEnv({ ...ENV, SITE_URL: 'news.example.com' })).toEqual({
    problems: ['SITE_URL must be an http(s) origin such as https://news.example.com, received "news.example.com"'],
  });
});

/** The problems of `env`, checking that it gives no config. */
const problems = (env: NodeJS.ProcessEnv) => {
  const parsed = serviceConfigFromEnv(env);
  expect(parsed.config).toBeUndefined();
  return parsed.problems;
};
const config = (env: NodeJS.ProcessEnv) => {
  const parsed = serviceConfigFromEnv(env);
  expect(parsed.problems).toEqual([]);
  if (!parsed.config) throw new Error('no config');
  return parsed.config;
};

describe('serviceConfigFromEnv: the defaults (the help text)', () => {
  test('with only a project id and a secret, every other setting is its default', () => {
    expect(config(ENV)).toEqual({
      host: '127.0.0.1',
      port: 4322,
      dir: '.site',
      sanity: { projectId: 'local', dataset: 'production', apiVersion: '2025-02-19', preview: false },
      secret: 'a-secret-of-sixteen-or-more',
      debounceMs: 150,
      maxBodyBytes: 1_048_576,
      maxAgeMs: 300_000,
      limits: { requestMs: 10_000, idleMs: 30_000, keepAliveMs: 5000 },
      timeZone: 'UTC',
    });
  });

  test('blank values are the defaults too', () => {
    const blank = Object.fromEntries(
      [
        'SERVE_HOST',
        'SERVE_DIR',
        'SERVE_PORT',
        'REBUILD_DEBOUNCE_MS',
        'WEBHOOK_MAX_BYTES',
        'WEBHOOK_MAX_AGE_S',
        'SERVE_REQUEST_TIMEOUT_MS',
        'SERVE_IDLE_TIMEOUT_MS',
        'SERVE_PREVIEW_PORT',
        'SANITY_PREVIEW_TOKEN',
        'PREVIEW_SECRET',
        'PREVIEW_STUDIO_ORIGINS',
        'SANITY_COMMENTS_TOKEN',
        'COMMENTS_ORIGINS',
        'NEWS_TIME_ZONE',
      ].map((name) => [name, '  ']),
    );
    expect(config({ ...ENV, ...blank, PREVIEW_SECRET: '', COMMENTS_TRUST_PROXY: '' })).toEqual(config(ENV));
  });
});

describe('serviceConfigFromEnv: each setting', () => {
  test('every variable set is read, trimmed', () => {
    const parsed = config({
      ...ENV,
      SANITY_DATASET: 'staging',
      SANITY_PREVIEW: '1',
      SANITY_TOKEN: 'read-token',
      SERVE_HOST: ' 0.0.0.0 ',
      SERVE_PORT: ' 8080 ',
      SERVE_DIR: ' /srv/site ',
      REBUILD_DEBOUNCE_MS: '0',
      WEBHOOK_MAX_BYTES: '2048',
      WEBHOOK_MAX_AGE_S: '60',
      SERVE_REQUEST_TIMEOUT_MS: '2500',
      SERVE_IDLE_TIMEOUT_MS: '7000',
    });
    expect(parsed).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      dir: '/srv/site',
      debounceMs: 0,
      maxBodyBytes: 2048,
      maxAgeMs: 60_000,
      limits: { requestMs: 2500, idleMs: 7000, keepAliveMs: 5000 },
    });
    // The service reads published documents only, whatever SANITY_PREVIEW says.
    expect(parsed.sanity).toMatchObject({ dataset: 'staging', token: 'read-token', preview: false });
  });

  test('a keep-alive never outlasts the idle time', () => {
    expect(config({ ...ENV, SERVE_IDLE_TIMEOUT_MS: '2000' }).limits).toEqual({
      requestMs: 10_000,
      idleMs: 2000,
      keepAliveMs: 2000,
    });
  });

  test.each([
    ['SERVE_PORT', 0, 65535],
    ['REBUILD_DEBOUNCE_MS', 0, 60_000],
    ['WEBHOOK_MAX_BYTES', 1024, 104_857_600],
    ['WEBHOOK_MAX_AGE_S', 1, 86_400],
    ['SERVE_REQUEST_TIMEOUT_MS', 100, 600_000],
    ['SERVE_IDLE_TIMEOUT_MS', 100, 600_000],
  ])('%s: whole numbers from %i to %i', (name, min, max) => {
    expect(serviceConfigFromEnv({ ...ENV, [name]: String(min) }).problems).toEqual([]);
    expect(serviceConfigFromEnv({ ...ENV, [name]: String(max) }).problems).toEqual([]);
    for (const bad of [String(min - 1), String(max + 1), '1.5', '12abc', 'ten'])
      expect(problems({ ...ENV, [name]: bad })).toEqual([
        `environment → ${name}: expected a whole number from ${min} to ${max}, received ${JSON.stringify(bad)}`,
      ]);
  });

  test('the webhook secret needs 16 characters, and is never echoed', () => {
    expect(config({ ...ENV, SANITY_WEBHOOK_SECRET: 'x'.repeat(16) }).secret).toBe('x'.repeat(16));
    expect(problems({ ...ENV, SANITY_WEBHOOK_SECRET: 'fifteen-chars!!' })).toEqual([
      "environment → SANITY_WEBHOOK_SECRET: expected the webhook's secret, at least 16 characters (received 15)",
    ]);
  });

  test('without a project id that is the one problem, besides the service variables; with one, the Sanity ones count', () => {
    expect(problems({ SANITY_WEBHOOK_SECRET: 'a-secret-of-sixteen-or-more', SANITY_DATASET: 'Bad Name' })).toEqual([
      'environment → SANITY_PROJECT_ID: expected the Sanity project id to read content from (use "local" with `npm run lake`)',
    ]);
    const both = problems({ ...ENV, SANITY_DATASET: 'Bad Name', SERVE_PORT: '-1' });
    expect(both).toHaveLength(2);
    expect(both[0]).toMatch(/^environment → SANITY_DATASET: /);
    expect(both[1]).toMatch(/^environment → SERVE_PORT: /);
    expect(problems({ ...ENV, SANITY_DATASET: 'Bad Name' })).toEqual([expect.stringMatching(/SANITY_DATASET/)]);
  });
});

describe('serviceConfigFromEnv: the preview server', () => {
  const PREVIEW = { ...ENV, SERVE_PREVIEW_PORT: '0', SANITY_PREVIEW_TOKEN: ' viewer-token ' };

  test('none without SERVE_PREVIEW_PORT; with it (0: a free port), a token that reads drafts is needed', () => {
    expect(config({ ...ENV, SANITY_PREVIEW_TOKEN: 'viewer-token' }).preview).toBeUndefined();
    expect(config(PREVIEW).preview).toEqual({ port: 0, token: 'viewer-token', studioOrigins: [] });
    for (const token of [undefined, '', '   '])
      expect(problems({ ...PREVIEW, SANITY_PREVIEW_TOKEN: token })).toEqual([
        'SANITY_PREVIEW_TOKEN: expected a token that reads drafts, since SERVE_PREVIEW_PORT is set',
      ]);
    expect(problems({ ...PREVIEW, SERVE_PREVIEW_PORT: '65536' })).toEqual([
      'environment → SERVE_PREVIEW_PORT: expected a whole number from 0 to 65535, received "65536"',
    ]);
    expect(config({ ...PREVIEW, SERVE_PREVIEW_PORT: '65535' }).preview?.port).toBe(65535);
  });

  test('PREVIEW_SECRET: at least 32 characters, never echoed; unset or empty, the key file is used', () => {
    expect(config({ ...PREVIEW, PREVIEW_SECRET: '' }).preview).not.toHaveProperty('secret');
    expect(config({ ...PREVIEW, PREVIEW_SECRET: 's'.repeat(32) }).preview?.secret).toBe('s'.repeat(32));
    expect(problems({ ...PREVIEW, PREVIEW_SECRET: 's'.repeat(31) })).toEqual([
      'environment → PREVIEW_SECRET: expected at least 32 characters (received 31)',
    ]);
  });

  test('PREVIEW_STUDIO_ORIGINS: comma-separated origins, blanks skipped; a path or a non-URL is refused', () => {
    expect(
      config({ ...PREVIEW, PREVIEW_STUDIO_ORIGINS: ' http://localhost:3334 ,, https://studio.example.com,' }).preview
        ?.studioOrigins,
    ).toEqual(['http://localhost:3334', 'https://studio.example.com']);
    for (const bad of ['http://localhost:3334/', 'http://localhost:3334,localhost', 'studio.example.com'])
      expect(problems({ ...PREVIEW, PREVIEW_STUDIO_ORIGINS: bad })).toEqual([
        'environment → PREVIEW_STUDIO_ORIGINS: expected comma-separated origins such as http://localhost:3334',
      ]);
  });
});

describe('serviceConfigFromEnv: comments', () => {
  test('taken only with SANITY_COMMENTS_TOKEN; origins and the proxy flag go with it', () => {
    expect(config({ ...ENV, COMMENTS_ORIGINS: 'https://news.example.com' }).comments).toBeUndefined();
    expect(config({ ...ENV, SANITY_COMMENTS_TOKEN: '   ' }).comments).toBeUndefined();
    expect(config({ ...ENV, SANITY_COMMENTS_TOKEN: ' commenter ' }).comments).toEqual({
      token: 'commenter',
      origins: [],
      trustProxy: false,
    });
    expect(
      config({
        ...ENV,
        SANITY_COMMENTS_TOKEN: 'commenter',
        COMMENTS_ORIGINS: 'https://news.example.com, http://127.0.0.1:8080',
        COMMENTS_TRUST_PROXY: '1',
      }).comments,
    ).toEqual({ token: 'commenter', origins: ['https://news.example.com', 'http://127.0.0.1:8080'], trustProxy: true });
    expect(config({ ...ENV, SANITY_COMMENTS_TOKEN: 'c', COMMENTS_TRUST_PROXY: '0' }).comments?.trustProxy).toBe(false);
  });

  test('COMMENTS_TRUST_PROXY is 1, 0 or empty; COMMENTS_ORIGINS origins', () => {
    expect(problems({ ...ENV, COMMENTS_TRUST_PROXY: 'yes' })).toEqual([
      'environment → COMMENTS_TRUST_PROXY: expected 1 (behind a proxy that sets X-Forwarded-For) or 0',
    ]);
    expect(problems({ ...ENV, COMMENTS_ORIGINS: 'https://news.example.com/comments' })).toEqual([
      'environment → COMMENTS_ORIGINS: expected comma-separated origins such as https://news.example.com',
    ]);
  });
});
