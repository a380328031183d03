/**
 * The site's public origin (`SITE_URL`), which canonical links, feeds and sitemaps are made of. Left unset, it is
 * `http://localhost:4321`, right for a build served on this machine only: a production build (`CI` set to anything
 * but `0` or `false`, or `NODE_ENV=production`) refuses to fall back to it and says which variable to set. A build
 * for a local server on purpose (the tests, a benchmark) sets `SITE_URL=http://localhost:4321` explicitly.
 */
export const DEFAULT_SITE_URL = 'http://localhost:4321';

/** `SITE_URL` is malformed, or unset in a production build; the message says what to set. */
export class SiteUrlError extends Error {
  override name = 'SiteUrlError';
}

/** Whether `env` describes a production build: CI, or `NODE_ENV=production`. */
export function isProduction(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env['CI'];
  return (
    (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') || env['NODE_ENV'] === 'production'
  );
}

/** The site's origin from `env`, checked as the module comment says. */
export function siteUrl(env: NodeJS.ProcessEnv = process.env): URL {
  const value = env['SITE_URL'];
  if (value === undefined || value === '') {
    if (isProduction(env)) {
      // Here CI is set whenever NODE_ENV is not production.
      const why = env['NODE_ENV'] === 'production' ? 'NODE_ENV=production' : `CI=${String(env['CI'])}`;
      throw new SiteUrlError(
        `SITE_URL is not set: a production build (${why}) will not fall back to ${DEFAULT_SITE_URL}, which would ` +
          'put a local address in canonical links, feeds and sitemaps. Set SITE_URL to the public origin of the ' +
          `site, e.g. SITE_URL=https://news.example.com (or SITE_URL=${DEFAULT_SITE_URL} to build for a local ` +
          'server on purpose).',
      );
    }
    return new URL(DEFAULT_SITE_URL);
  }
  if (!/^https?:\/\/[^/]/i.test(value) || !URL.canParse(value))
    throw new SiteUrlError(
      `SITE_URL must be an http(s) origin such as https://news.example.com, received ${JSON.stringify(value)}`,
    );
  return new URL(value);
}
