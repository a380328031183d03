import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Parses a script's command line with `parseArgs`, strictly: `--help` prints `help` and exits 0; an unknown flag,
 * a flag without its value or an unexpected argument prints the reason and `help` and exits 2.
 */
export function cliArgs<const T extends ParseArgsConfig>(config: T, help: string): ReturnType<typeof parseArgs<T>> {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error), help);
  }
  if ((parsed.values as Record<string, unknown>)['help'] === true) {
    console.log(help);
    process.exit(0);
  }
  return parsed;
}

/** Prints `message` and the help text, and exits 2 (a bad command line). */
export function usage(message: string, help: string): never {
  console.error(`${message}\n\n${help}`);
  process.exit(2);
}
