import { describe, expect, test } from 'vitest';
import { DEFAULT_DATA_FILE, DEFAULT_PORT, lakeConfigFrom } from '../../scripts/lake/config.ts';

describe('lakeConfigFrom (CLI flags and environment)', () => {
  test('defaults', () => {
    expect(lakeConfigFrom([], {})).toEqual({ kind: 'ok', options: { port: DEFAULT_PORT, host: '127.0.0.1', dataFile: DEFAULT_DATA_FILE, webhooks: [] } });
  });

  test('flags win over the environment', () => {
    const config = lakeConfigFrom(['--port', '4000', '--data', 'x.ndjson'], { LAKE_PORT: '5000', LAKE_DATA: 'y.ndjson', LAKE_HOST: '0.0.0.0' });
    expect(config).toMatchObject({ kind: 'ok', options: { port: 4000, dataFile: 'x.ndjson', host: '0.0.0.0' } });
  });

  test('LAKE_TOKENS and LAKE_WEBHOOKS are read as JSON', () => {
    const config = lakeConfigFrom([], {
      LAKE_TOKENS: '{"token": {"role": "editor"}, "ci-admin": {"role": "administrator", "name": "CI"}}',
      LAKE_WEBHOOKS: '[{"name": "rebuild", "url": "http://127.0.0.1:9/hook", "filter": "_type == \\"story\\"", "on": ["create"], "includeDrafts": false}]',
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
    [[], { LAKE_TOKENS: '{"t": {"role": "admin"}}' }, 'LAKE_TOKENS["t"].role: expected "administrator", "editor" or "viewer", received "admin"'],
    [[], { LAKE_TOKENS: '{"t": {"role": "viewer", "scope": 1}}' }, 'LAKE_TOKENS["t"].scope: unknown field'],
    [[], { LAKE_WEBHOOKS: '{}' }, 'LAKE_WEBHOOKS: expected a JSON array of webhooks'],
    [[], { LAKE_WEBHOOKS: '[{"filter": "*"}]' }, 'LAKE_WEBHOOKS[0].url: expected a URL string'],
    [[], { LAKE_WEBHOOKS: '[{"url": "http://x", "on": ["publish"]}]' }, 'LAKE_WEBHOOKS[0].on: expected an array of "create", "update", "delete"'],
    [[], { LAKE_WEBHOOKS: '[{"url": "http://x", "includeDrafts": "yes"}]' }, 'LAKE_WEBHOOKS[0].includeDrafts: expected true or false'],
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
