/**
 * The newsroom's child processes (the import that seeds the lake, `sanity build`): run in the project's root with the
 * project's Node, to completion, their output collected.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The project's root, where child processes run and the Studio's sources and cache are. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * The project's Node (24), for the child processes: the Sanity CLI needs 22.12 or newer and scripts/import.ts needs
 * type stripping, while this module may be loaded by an older Node (Playwright started by the system `node`).
 */
export const NODE = existsSync(path.join(ROOT, 'node_modules', '.bin', 'node'))
  ? path.join(ROOT, 'node_modules', '.bin', 'node')
  : process.execPath;

/** Runs a command to completion (stdin closed so a prompt fails fast), collecting its output. */
export function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ ok: boolean; output: string; exit: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) =>
      resolve({ ok: false, output: `${output}\n${error.message}`, exit: 'could not start' }),
    );
    child.on('close', (code, signal) =>
      resolve({ ok: code === 0, output, exit: signal === null ? `exit code ${String(code)}` : `signal ${signal}` }),
    );
  });
}

/** A duration for the progress lines, e.g. `31.2 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
