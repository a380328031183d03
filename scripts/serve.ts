// The rebuild service (`npm run serve`): see rebuild/config.ts for its settings.
import { serviceConfigFromEnv, SERVICE_HELP } from '../rebuild/config.ts';
import { startRebuildService } from '../rebuild/service.ts';
import { cliArgs } from './lib/args.ts';

// Every setting is an environment variable: the command line takes --help alone.
cliArgs({ options: { help: { type: 'boolean' } } }, SERVICE_HELP);
const { config, problems } = serviceConfigFromEnv(process.env);
if (!config) {
  console.error(
    `The rebuild service cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}\n\nRun with --help for every setting.`,
  );
  process.exit(1);
}
const service = await startRebuildService(config, (line) => console.log(`${new Date().toISOString()} ${line}`));
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`${new Date().toISOString()} ${signal}: finishing, then stopping`);
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
