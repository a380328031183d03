/**
 * `npm run lake`: runs the local Sanity-compatible HTTP API until interrupted. See `--help`.
 */
import { dirname, resolve } from 'node:path';
import { LAKE_HELP, lakeConfigFrom } from '../lake/config.ts';
import { startLake } from '../lake/server.ts';
import { generatedTokens, tokenForRole } from '../lake/tokens.ts';

const config = lakeConfigFrom(process.argv.slice(2), process.env);

if (config.kind === 'help') {
  console.log(LAKE_HELP);
} else if (config.kind === 'token') {
  // For `SANITY_TOKEN=$(npm run -s lake -- --token editor)`: the token alone on stdout.
  try {
    const { tokens, file } = await generatedTokens(dirname(resolve(config.dataFile)));
    const token = tokenForRole(tokens, config.role);
    if (token === undefined) throw new Error(`${file} has no token with the ${config.role} role`);
    console.log(token);
  } catch (error) {
    console.error(`lake: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
} else if (config.kind === 'errors') {
  console.error(
    `lake: cannot start, ${config.errors.length} invalid setting(s):\n${config.errors.map((error) => `  - ${error}`).join('\n')}`,
  );
  process.exitCode = 2;
} else {
  const { options } = config;
  try {
    const lake = await startLake({ ...options, log: (line) => console.log(line) });
    const tokens =
      lake.tokensFile === undefined
        ? `${Object.keys(lake.tokens).length} token(s) from LAKE_TOKENS`
        : `tokens in ${lake.tokensFile}, see --help`;
    console.log(
      `lake: serving ${options.dataFile} at ${lake.url} (${tokens}, ${options.webhooks?.length ?? 0} webhook(s)); Ctrl-C to stop`,
    );
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      console.log(`lake: ${signal}, writing snapshots and stopping`);
      lake.close().then(
        () => console.log('lake: stopped'),
        (error: unknown) => {
          console.error(`lake: error while stopping: ${error instanceof Error ? error.message : String(error)}`);
          process.exitCode = 1;
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  } catch (error) {
    console.error(`lake: cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
