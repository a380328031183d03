/**
 * `npm run newsroom`: the newsroom on this machine, offline. Reads the flags, starts the lake (the local
 * Sanity-compatible API) over HTTPS + HTTP/2, seeds it from content/ when its dataset is empty, builds the Sanity
 * Studio against it (cached in .sanity/dist while its sources are unchanged), serves the Studio and the site, prints
 * the URLs, where the lake's tokens are (generated once per data folder) and one-time sign-in links, and stops it all
 * on SIGINT or SIGTERM. The parts are in scripts/newsroom/ (README there); `startNewsroom()` (start.ts) starts them for
 * other scripts and tests. `--help` lists the options.
 */
import path from 'node:path';
import { corsOriginsFrom } from '../lake/origins.ts';
import { cliArgs } from './lib/args.ts';
import { seconds } from './newsroom/processes.ts';
import { startNewsroom, type RunningNewsroom } from './newsroom/start.ts';

const HELP = `Usage: npm run newsroom -- [--port 3333] [--studio-port 3334] [--data .lake] [--no-seed] [--rebuild-studio]

Runs the newsroom offline: the lake (local Sanity-compatible API, HTTPS + HTTP/2 with a self-signed certificate
for localhost and *.localhost, plain HTTP on the same port for tools), seeded from content/ when empty, the
Sanity Studio built against it (cached in .sanity/dist while its sources are unchanged), and the site, served by
the rebuild service, which the lake's webhook rebuilds on every publish.

  --port <n>          the lake's port (default 3333; 0 picks a free one)
  --studio-port <n>   the Studio's port (default 3334; 0 picks a free one)
  --site-port <n>     the site's port: the rebuild service, rebuilt on every publish (default 4322; 0 picks a free one)
  --preview-port <n>  the draft preview server's port (signed links from the Studio only; default 4323; 0 picks a free one)
  --data <dir>        the lake's data folder (default .lake)
  --no-seed           do not import content/ into an empty dataset
  --rebuild-studio    build the Studio even if the cached build is current
  --help              show this help

The lake's tokens are made once per data folder (<data>/tokens.json, readable by you only) and never printed; the
newsroom prints one-time sign-in links for the Studio instead. The lake answers browsers from the Studio's origin only; set
LAKE_CORS_ORIGINS (comma-separated origins) to allow more. NEWS_TIME_ZONE (an IANA name such as Europe/Berlin; default
UTC) is the zone the site prints dates in and the Studio shows scheduled times in.`;

async function main(): Promise<void> {
  const { values } = cliArgs(
    {
      options: {
        port: { type: 'string', default: '3333' },
        'studio-port': { type: 'string', default: '3334' },
        'site-port': { type: 'string', default: '4322' },
        'preview-port': { type: 'string', default: '4323' },
        data: { type: 'string', default: '.lake' },
        'no-seed': { type: 'boolean', default: false },
        'rebuild-studio': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    },
    HELP,
  );
  const problems: string[] = [];
  const port = (name: string, raw: string): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > 65535)
      problems.push(`--${name}: expected a port number from 0 to 65535, received ${JSON.stringify(raw)}`);
    return value;
  };
  const lakePort = port('port', values.port);
  const studioPort = port('studio-port', values['studio-port']);
  const sitePort = port('site-port', values['site-port']);
  const previewPort = port('preview-port', values['preview-port']);
  const corsOrigins = corsOriginsFrom('LAKE_CORS_ORIGINS', process.env['LAKE_CORS_ORIGINS'], problems);
  if (problems.length > 0) {
    console.error(`newsroom: cannot start:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  let newsroom: RunningNewsroom;
  try {
    newsroom = await startNewsroom({
      lakePort,
      studioPort,
      sitePort,
      previewPort,
      corsOrigins,
      dataDir: values.data,
      seed: !values['no-seed'],
      rebuildStudio: values['rebuild-studio'],
      log: (line) => console.log(line),
      // Each link works once; the next one is printed here, in the editor's own terminal.
      onSignIn: (role) =>
        console.log(`newsroom: the ${role} sign-in link was used; a new one: ${newsroom.signInLink(role)}`),
    });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
    return;
  }
  const { urls, projectId } = newsroom;
  const studioHost = urls.api.replace('://', `://${projectId}.`);
  console.log(`
Newsroom ready in ${seconds(performance.now() - started)} (Studio ${newsroom.studioBuild.cached ? 'from cache' : `built in ${seconds(newsroom.studioBuild.ms)}`}).
  Studio        ${urls.studio}
  Site          ${urls.site ?? '(not started)'}   (rebuilt on every publish; status at ${urls.site ?? ''}/status)
  Preview       ${urls.preview ?? '(not started)'}   (drafts as the site will show them; opened from the Studio's Preview tab)
  Sign in       ${newsroom.signInLink('editor')}   (editor; each link works once)
                ${newsroom.signInLink('viewer')}   (viewer)
                ${newsroom.signInLink('administrator')}   (administrator)
  API           ${urls.api}   (the Studio calls ${studioHost})
  API for tools ${urls.apiHttp}   (SANITY_API_HOST; no certificate to trust)
  Tokens        in ${path.join(values.data, 'tokens.json')} (made for this data folder, readable by you only; never printed):
                SANITY_TOKEN=$(npm run -s lake -- --data ${path.join(values.data, 'data.ndjson')} --token editor) for a tool
  Certificate   self-signed: until your browser accepts it (open ${studioHost}/ and ${urls.api}/ once), the Studio's page
                shows this step and waits; it then opens by itself.
Ctrl-C stops everything.`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`newsroom: ${signal}, stopping`);
    newsroom.close().then(
      () => console.log('newsroom: stopped'),
      (error: unknown) => {
        console.error(`newsroom: error while stopping: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (import.meta.main) await main();
