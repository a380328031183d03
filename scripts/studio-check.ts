/**
 * Checks the Sanity Studio without network: `sanity schema validate`, then `sanity build`.
 * Prints each step's status and time, the tool's output when a step fails (or has schema warnings), and exits 1 if
 * either step fails. Run with `npm run test:studio`; `--help` lists the options.
 */
import { stripVTControlCharacters } from 'node:util';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliArgs } from './lib/args.ts';

const HELP = `Usage: node scripts/studio-check.ts [--out-dir <dir>] [--verbose]

Validates the Sanity schema and builds the Studio, offline and without prompts.

  --out-dir <dir>  build the Studio into <dir> and keep it (default: a temporary folder, deleted afterwards)
  --verbose        show the Sanity CLI's output for every step, not only for failures
  --help           show this help

Environment: SANITY_STUDIO_PROJECT_ID, SANITY_STUDIO_DATASET and SANITY_STUDIO_API_HOST are passed to the build.`;

const root = path.resolve(import.meta.dirname, '..');
// `.bin/sanity` links to @sanity/cli's entry; run it with this Node (24) because its shebang would pick the system
// Node, which is older than the CLI's minimum (22.12).
const sanityBin = path.join(root, 'node_modules', '.bin', 'sanity');
const STEP_TIMEOUT_MS = 10 * 60 * 1000;

// @sanity/cli 7.18 (what sanity 6.8 runs) reads DO_NOT_TRACK (telemetry consent denied locally, nothing is fetched
// or sent) and NO_UPDATE_NOTIFIER (no npm version check). SANITY_TELEMETRY_DISABLED is only read by older CLIs; it
// is set so the script behaves the same if the CLI is swapped for one of those.
const quietEnv = { DO_NOT_TRACK: '1', NO_UPDATE_NOTIFIER: '1', SANITY_TELEMETRY_DISABLED: '1' };

interface StepResult {
  ok: boolean;
  ms: number;
  output: string;
  exit: string;
}

/** Runs the Sanity CLI with `args`, stdin closed so a prompt fails fast instead of waiting, and collects its output. */
function runSanity(args: string[]): Promise<StepResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [sanityBin, ...args], {
      cwd: root,
      env: { ...process.env, ...quietEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n[studio-check] no result after ${STEP_TIMEOUT_MS / 1000}s; stopping the CLI (pid ${child.pid})\n`;
      child.kill('SIGTERM');
    }, STEP_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({
        ok: false,
        ms: performance.now() - started,
        output: `${output}\n${error.message}`,
        exit: 'could not start',
      });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        ok: code === 0,
        ms: performance.now() - started,
        output,
        exit: signal ? `signal ${signal}` : `exit code ${code}`,
      });
    });
  });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function indent(text: string): string {
  return stripVTControlCharacters(text)
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

async function main(): Promise<void> {
  const { values } = cliArgs(
    {
      options: {
        'out-dir': { type: 'string' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    },
    HELP,
  );
  const keepOutput = values['out-dir'] !== undefined;
  const outDir = values['out-dir']
    ? path.resolve(values['out-dir'])
    : await mkdtemp(path.join(tmpdir(), 'newsdesk-studio-'));

  const steps: { name: string; args: string[] }[] = [
    { name: 'sanity schema validate', args: ['schema', 'validate'] },
    // An explicit folder keeps the Studio out of dist/, which is the site's; --yes answers "clean the folder?".
    { name: 'sanity build', args: ['build', outDir, '--yes'] },
  ];

  const failed: string[] = [];
  try {
    for (const step of steps) {
      console.log(`… ${step.name}`);
      const result = await runSanity(step.args);
      const warnings = /Warnings:\s+(\d+)/.exec(stripVTControlCharacters(result.output))?.[1];
      const note = warnings && warnings !== '0' ? `, ${warnings} schema warning(s)` : '';
      console.log(
        `${result.ok ? '✔' : '✖'} ${step.name}: ${result.ok ? 'passed' : `failed (${result.exit})`} in ${seconds(result.ms)}${note}`,
      );
      if (!result.ok || values.verbose || note) console.log(indent(result.output));
      if (!result.ok) failed.push(step.name);
    }
  } finally {
    if (!keepOutput) await rm(outDir, { recursive: true, force: true });
  }

  if (failed.length > 0) {
    console.error(`studio-check: ${failed.join(' and ')} failed; see the CLI output above.`);
    process.exitCode = 1;
  } else {
    console.log(`studio-check: schema valid and Studio built${keepOutput ? ` into ${outDir}` : ''}.`);
  }
}

await main();
