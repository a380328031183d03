// Which hosts and origins the lake answers. A web page in the editor's browser can send requests to any address,
// loopback included, so the lake (like hosted Sanity) answers browsers only from the origins it was told about
// (the Studio's, plus configured ones), and on a loopback bind only under loopback host names: a page on a domain
// that a rebinding DNS server points at 127.0.0.1 sends its own name as Host and is refused.

/** Whether a bind address (`--host`) is reachable from this machine only. */
export function isLoopbackBind(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Whether a `Host` (or HTTP/2 `:authority`) value names this machine: `localhost`, `*.localhost` (the Studio calls
 * `<projectId>.localhost`), `127.0.0.1` or `[::1]`, with or without a port.
 */
export function isLoopbackHostHeader(value: string): boolean {
  const name = /^(\[[^\]]*\]|[^:[\]]*)(?::\d{1,5})?$/.exec(value.toLowerCase())?.[1];
  if (name === undefined) return false;
  return (
    name === 'localhost' ||
    /^[a-z0-9-]+(\.[a-z0-9-]+)*\.localhost$/.test(name) ||
    name === '127.0.0.1' ||
    name === '[::1]'
  );
}

/**
 * An origin as browsers send it (`scheme://host[:port]`, lowercase, no path), or undefined with a problem added to
 * `errors` naming `where`, what was received and what was expected.
 */
export function corsOriginFrom(where: string, raw: string, errors: string[]): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(raw.trim());
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== ''
  ) {
    errors.push(
      `${where}: expected an origin like http://localhost:3334 (http:// or https://, a host, an optional port, no path), received ${JSON.stringify(raw)}`,
    );
    return undefined;
  }
  return url.origin;
}

/** Origins from a comma-separated list (`LAKE_CORS_ORIGINS`, `--cors-origin`), every bad entry reported. */
export function corsOriginsFrom(where: string, raw: string | undefined, errors: string[]): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw
    .split(',')
    .filter((part) => part.trim() !== '')
    .flatMap((part) => corsOriginFrom(where, part, errors) ?? []);
}
