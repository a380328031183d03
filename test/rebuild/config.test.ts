import { expect, test } from 'vitest';
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
});
