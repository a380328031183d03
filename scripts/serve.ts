// The rebuild service (`npm run serve`): see rebuild/config.ts for its settings.
import { serviceConfigFromEnv, SERVICE_HELP } from '../rebuild/config.ts';
import { startRebuildService } from '../rebuild/service.ts';

if (process.argv.includes('--help')) {
  console.log(SERVICE_HELP);
  process.exit(0);
}
const { config, problems } = serviceConfigFromEnv(process.env);
if (!config) {
  console.error(`The rebuild service cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}\n\nRun with --help for every setting.`);
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
