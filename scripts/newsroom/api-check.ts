/**
 * What the Studio's page does before the Studio starts. It checks that this browser can reach the lake over HTTPS:
 * on a first start it cannot, since the lake's certificate is self-signed, and the Studio itself would only say
 * that it "couldn't reach the Sanity servers". The page instead says what to do (open the API's address once and
 * accept the certificate), keeps checking, and starts the Studio as soon as the API answers. It also answers the two
 * calls the Studio makes to fixed Sanity hosts whatever its API host is, so that nothing leaves the machine: the
 * version check (answered with the running version: no update to offer for a local build) and the feedback
 * service's availability check (answered unavailable, so the Studio hides its feedback form).
 */

/** The hosts the Studio calls over HTTPS: the API under its project's host name, and the asset host (image URLs). */
export function studioApiUrls(apiHost: string, projectId: string): { api: string; assets: string } {
  const assets = new URL(apiHost);
  const api = new URL(apiHost);
  api.hostname = `${projectId}.${api.hostname}`;
  return { api: api.origin, assets: assets.origin };
}

/**
 * index.html with the Studio's entry script started by the API check instead of directly; unchanged when the build
 * has no entry script where `sanity build` puts it (the Studio then starts as built).
 */
export function withApiCheck(html: string, urls: { api: string; assets: string }, sanityVersion: string): string {
  const entry = /<script src="(\/static\/sanity-[\w-]+\.js)" type="module"><\/script>/.exec(html);
  if (entry?.[1] === undefined) return html;
  const config = JSON.stringify({
    entry: entry[1],
    urls: [...new Set([urls.api, urls.assets])],
    sanityVersion,
  }).replaceAll('<', '\\u003c');
  // The Studio's code loads while the check runs (modulepreload fetches without running it).
  const script =
    `<link rel="modulepreload" href="${entry[1]}">` +
    `<script type="module">(${apiCheck.toString()})(${config});</script>`;
  return html.slice(0, entry.index) + script + html.slice(entry.index + entry[0].length);
}

/**
 * Runs in the browser, serialized into index.html: fetches `/v1/ping` on each URL (no-cors: only whether the
 * connection works counts). When all answer, imports the Studio; otherwise shows the certificate step, with a
 * link to each address that failed, and checks again every 2 s and whenever the tab is shown again.
 */
function apiCheck(config: { entry: string; urls: string[]; sanityVersion: string }): void {
  const fetchFromNetwork = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith('https://sanity-cdn.com/v1/modules/')) {
      return Promise.resolve(Response.json({ latest: config.sanityVersion, packageVersion: config.sanityVersion }));
    }
    if (url.startsWith('https://api.sanity.io/vX/intake/feedback')) {
      return Promise.resolve(new Response(null, { status: 503 }));
    }
    return fetchFromNetwork(input, init);
  };
  const reachable = async (url: string): Promise<boolean> => {
    try {
      await fetchFromNetwork(`${url}/v1/ping`, { mode: 'no-cors', cache: 'no-store', credentials: 'omit' });
      return true;
    } catch {
      return false;
    }
  };
  let panel: HTMLElement | undefined;
  let shown = '';
  const show = (failed: string[]): void => {
    // Written again only when the list of addresses changes, so a link is not replaced under the pointer.
    if (panel !== undefined && shown === failed.join(' ')) return;
    shown = failed.join(' ');
    panel ??= document.body.appendChild(document.createElement('main'));
    panel.id = 'newsroom-api-check';
    panel.setAttribute(
      'style',
      'max-width:40rem;margin:10vh auto;padding:0 1.5rem;font:16px/1.5 system-ui,sans-serif;color:#1f2937',
    );
    const links = failed.map((url) => `<li><a href="${url}/" target="_blank" rel="noopener">${url}/</a></li>`).join('');
    panel.innerHTML =
      `<h1 style="font-size:1.5rem">One step before the Studio opens</h1>` +
      `<p>This browser cannot reach the newsroom's API yet. On a first start that is expected: the API runs on this ` +
      `machine over HTTPS with a certificate that <code>npm run newsroom</code> made itself, and the browser does ` +
      `not trust it until you say so.</p>` +
      `<ol><li>Open ${failed.length > 1 ? 'each of these addresses' : 'this address'}:<ul>${links}</ul></li>` +
      `<li>The browser warns that the connection is not private. Choose <b>Advanced</b>, then ` +
      `<b>Proceed</b> (or <b>Accept the risk and continue</b>). Do this only for these local addresses.</li>` +
      `<li>Come back to this tab: the Studio opens by itself.</li></ol>` +
      `<p>If the page at that address does not load at all, the newsroom is not running: start it again with ` +
      `<code>npm run newsroom</code>.</p>`;
  };
  const check = async (): Promise<void> => {
    const results = await Promise.all(config.urls.map(async (url) => ((await reachable(url)) ? undefined : url)));
    const failed = results.filter((url): url is string => url !== undefined);
    if (failed.length > 0) {
      show(failed);
      return;
    }
    clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisible);
    panel?.remove();
    await import(config.entry);
  };
  let running: Promise<void> | undefined;
  const again = (): void => {
    running ??= check().finally(() => (running = undefined));
  };
  const onVisible = (): void => {
    if (document.visibilityState === 'visible') again();
  };
  const timer = setInterval(again, 2000);
  document.addEventListener('visibilitychange', onVisible);
  again();
}
