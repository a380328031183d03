import { describe, expect, test } from 'vitest';
import { DEFAULT_DATA_FILE, DEFAULT_PORT, lakeConfigFrom } from '../../lake/config.ts';

describe('lakeConfigFrom (CLI flags and environment)', () => {
  test('defaults', () => {
    expect(lakeConfigFrom([], {})).toEqual({
      kind: 'ok',
      options: { port: DEFAULT_PORT, host: '127.0.0.1', dataFile: DEFAULT_DATA_FILE, webhooks: [], corsOrigins: [] },
    });
  });

  test('flags win over the environment', () => {
    const config = lakeConfigFrom(['--port', '4000', '--data', 'x.ndjson', '--cors-origin', 'http://localhost:3334'], {
      LAKE_PORT: '5000',
      LAKE_DATA: 'y.ndjson',
      LAKE_HOST: '0.0.0.0',
      LAKE_TOKENS: '{"t": {"role": "editor"}}',
      LAKE_CORS_ORIGINS: 'https://elsewhere.example',
    });
    expect(config).toMatchObject({
      kind: 'ok',
      options: { port: 4000, dataFile: 'x.ndjson', host: '0.0.0.0', corsOrigins: ['http://localhost:3334'] },
    });
  });

  test('LAKE_CORS_ORIGINS is a comma-separated list of origins', () => {
    expect(
      lakeConfigFrom([], { LAKE_CORS_ORIGINS: 'http://localhost:3334, https://studio.example.com/' }),
    ).toMatchObject({
      kind: 'ok',
      options: { corsOrigins: ['http://localhost:3334', 'https://studio.example.com'] },
    });
  });

  test('--token <role> asks for a generated token', () => {
    expect(lakeConfigFrom(['--token', 'editor', '--data', 'x/data.ndjson'], {})).toEqual({
      kind: 'token',
      role: 'editor',
      dataFile: 'x/data.ndjson',
    });
  });

  test('LAKE_TOKENS and LAKE_WEBHOOKS are read as JSON', () => {
    const config = lakeConfigFrom([], {
      LAKE_TOKENS: '{"token": {"role": "editor"}, "ci-admin": {"role": "administrator", "name": "CI"}}',
      LAKE_WEBHOOKS:
        '[{"name": "rebuild", "url": "http://127.0.0.1:9/hook", "filter": "_type == \\"story\\"", "on": ["create"], "includeDrafts": false}]',
    });
    expect(config).toMatchObject({
      kind: 'ok',
      options: {
        tokens: { token: { role: 'editor' }, 'ci-admin': { role: 'administrator', name: 'CI' } },
        webhooks: [{ name: 'rebuild', url: 'http://127.0.0.1:9/hook', on: ['create'] }],
      },
    });
  });

  test('--help', () => {
    expect(lakeConfigFrom(['--help'], { LAKE_PORT: 'nonsense' })).toEqual({ kind: 'help' });
  });

  test.each([
    [['--port', '70000'], {}, '--port: expected a port number from 0 to 65535, received "70000"'],
    [[], { LAKE_PORT: 'abc' }, 'LAKE_PORT: expected a port number from 0 to 65535, received "abc"'],
    [['--verbose'], {}, "Unknown option '--verbose'"],
    [[], { LAKE_TOKENS: '{nope' }, 'LAKE_TOKENS: expected JSON'],
    [[], { LAKE_TOKENS: '[]' }, 'LAKE_TOKENS: expected a non-empty object'],
    [
      [],
      { LAKE_TOKENS: '{"t": {"role": "admin"}}' },
      'LAKE_TOKENS["t"].role: expected "administrator", "editor", "viewer" or "commenter", received "admin"',
    ],
    [[], { LAKE_TOKENS: '{"t": {"role": "viewer", "scope": 1}}' }, 'LAKE_TOKENS["t"].scope: unknown field'],
    [[], { LAKE_WEBHOOKS: '{}' }, 'LAKE_WEBHOOKS: expected a JSON array of webhooks'],
    [['--host', '0.0.0.0'], {}, '--host 0.0.0.0: binding beyond loopback exposes the API to the network'],
    [[], { LAKE_HOST: '192.168.1.20' }, 'set LAKE_TOKENS to tokens of your own'],
    [['--cors-origin', 'localhost:3334'], {}, '--cors-origin: expected an origin'],
    [
      [],
      { LAKE_CORS_ORIGINS: 'http://localhost:3334/studio' },
      'LAKE_CORS_ORIGINS: expected an origin like http://localhost:3334 (http:// or https://, a host, an optional port, no path), received "http://localhost:3334/studio"',
    ],
    [['--token', 'owner'], {}, '--token: expected a role'],
    [[], { LAKE_WEBHOOKS: '[{"filter": "*"}]' }, 'LAKE_WEBHOOKS[0].url: expected a URL string'],
    [
      [],
      { LAKE_WEBHOOKS: '[{"url": "http://x", "on": ["publish"]}]' },
      'LAKE_WEBHOOKS[0].on: expected an array of "create", "update", "delete"',
    ],
    [
      [],
      { LAKE_WEBHOOKS: '[{"url": "http://x", "includeDrafts": "yes"}]' },
      'LAKE_WEBHOOKS[0].includeDrafts: expected true or false',
    ],
  ])('%j %j -> %s', (argv, env, message) => {
    const config = lakeConfigFrom(argv, env);
    expect(config.kind).toBe('errors');
    expect(config.kind === 'errors' ? config.errors.join('\n') : '').toContain(message);
  });

  test('every bad value is reported, not only the first', () => {
    const config = lakeConfigFrom([], { LAKE_PORT: '-1', LAKE_TOKENS: '{"t": {}}', LAKE_WEBHOOKS: '[1]' });
    expect(config.kind === 'errors' ? config.errors : []).toHaveLength(3);
  });
});
