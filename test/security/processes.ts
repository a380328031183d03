import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

// The security suite attacks real processes. This starts them: a command run on the project's Node, considered
// ready once it prints the URL it serves.

/** The project's root folder. */
export const ROOT = join(import.meta.dirname, '..', '..');
/** The project's Node (24, from node_modules), which every npm script uses. */
export const NODE = join(ROOT, 'node_modules', '.bin', 'node');

/** A child process that printed the URL it serves. */
export interface ServingProcess {
  child: ChildProcess;
  /** The URL it printed, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Sends `signal` (SIGTERM by default) and waits for the exit; at once if it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `node <args>` in the project's root with `env` added to this process's environment, and resolves once its
 * output matches `ready`, whose first group is the URL; rejects if it exits first or stays silent for `withinMs`.
 */
export function spawnServing(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; ready: RegExp; withinMs?: number },
): Promise<ServingProcess> {
  const child = spawn(NODE, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const serving: Omit<ServingProcess, 'url' | 'port'> = {
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill(signal);
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} did not get ready within ${options.withinMs ?? 20_000} ms:\n${output}`));
    }, options.withinMs ?? 20_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const url = options.ready.exec(output)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      child.stdout.off('data', read);
      child.stdout.on('data', (more: Buffer) => (output += more.toString()));
      resolve({ ...serving, url, port: Number(new URL(url).port) });
    };
    child.stdout.on('data', read);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`node ${args.join(' ')} exited (${String(code ?? signal)}) before it was ready:\n${output}`));
    });
  });
}

/** `node scripts/lake.ts --port 0 --data <dataFile> ...args`, as `npm run lake` runs it; ready once it prints its URL. */
export function startLakeCli(
  dataFile: string,
  options: { args?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<ServingProcess> {
  return spawnServing([join(ROOT, 'scripts', 'lake.ts'), '--port', '0', '--data', dataFile, ...(options.args ?? [])], {
    ready: / at (http:\/\/\S+) /,
    ...(options.env === undefined ? {} : { env: options.env }),
  });
}
