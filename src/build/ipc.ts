/**
 * How a render process and the process that started it talk: typed messages over the child process's IPC channel.
 *
 * A render process (`scripts/build.ts --render`, started by the build's coordinator or the rebuild service) runs one
 * `astro build`. It is started before anyone knows what it will render, so that Astro loads and bundles the site
 * meanwhile; once bundled, the routes ask for their pages (src/rendered-pages.ts), and the process says `bundled` and waits.
 * The parent answers with `plan`: the file that holds the render plan (NDJSON, see src/lib/site/render-plan.ts; a large
 * site's plan is gigabytes, far more than a message should carry). The process then renders, and says `done`, or
 * `failed` with the error as data. A parent that goes away while the process waits for its plan closes the channel:
 * the process stops rather than wait forever.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { BuildFailure, type ErrorReport } from './failure.ts';

/** What a render process tells the process that started it. */
export type RendererMessage =
  /** Astro has loaded and bundled the site; the process waits for its plan. */
  | { type: 'bundled' }
  /** Every page of the plan is written into the process's folder. */
  | { type: 'done' }
  /** The build failed; the process exits with a non-zero code after this. */
  | { type: 'failed'; error: ErrorReport };

/** What the process that started a render process tells it. */
export type ParentMessage =
  /** The render plan to render (an absolute path), written in full. */
  { type: 'plan'; file: string };

/** Environment variables a render process never gets: it renders the plan's data and never reads Sanity. */
const SECRETS = [
  'SANITY_TOKEN',
  'SANITY_WEBHOOK_SECRET',
  'SANITY_STUDIO_TOKEN',
  'SANITY_PREVIEW_TOKEN',
  'PREVIEW_SECRET',
];
/** Astro prints a line per page it writes, `16:47:15   ├─ /news/x/index.html (+3ms)`, and tells nothing else of it. */
const PAGE_LINE = /[├└]─ \//;
/** How much of a render process's output is kept, for the report of a failure. */
const OUTPUT_KEPT = 20_000;

// The parent's side.

/** A render process, from the side of the process that starts it. */
export class RenderProcess {
  readonly child: ChildProcess;
  /** Resolves with the end of the process's output once it has rendered its plan; rejects with a BuildFailure. */
  readonly done: Promise<string>;
  #output = '';
  #bundled = false;
  #plan: string | undefined;
  #pages = 0;

  /**
   * Starts `scripts/build.ts --render` rendering into `outDir`. `label` names the process in failures ("render
   * process 2 exited with code 1").
   */
  constructor(options: {
    outDir: string;
    astroCacheDir: string;
    label: string;
    cwd?: string | undefined;
    /** Variables set for the process besides the parent's (e.g. SITE_URL). */
    env?: Readonly<Record<string, string>> | undefined;
  }) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...options.env,
      ASTRO_CACHE_DIR: options.astroCacheDir,
      ASTRO_TELEMETRY_DISABLED: '1',
    };
    for (const name of SECRETS) delete env[name];
    const script = path.join(import.meta.dirname, '../../scripts/build.ts');
    const child = spawn(process.execPath, [script, '--render', '--outDir', options.outDir], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    let partial = '';
    let error: ErrorReport | undefined;
    let finished = false;
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      this.#output = (this.#output + text).slice(-OUTPUT_KEPT);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (PAGE_LINE.test(line)) this.#pages += 1;
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('message', (raw) => {
      const message = raw as RendererMessage;
      if (message.type === 'bundled') {
        this.#bundled = true;
        this.#send();
      } else if (message.type === 'done') finished = true;
      else if (message.type === 'failed') error = message.error;
    });
    this.done = new Promise<string>((resolve, reject) => {
      child.on('error', (e) =>
        reject(new BuildFailure(`${options.label} could not start: ${e.message}`, this.#output)),
      );
      // Messages arrive before 'close' (the IPC channel is one of the streams it waits for).
      child.on('close', (code, signal) => {
        if (code === 0 && finished) resolve(this.#output);
        else if (code === 0)
          reject(new BuildFailure(`${options.label} exited without rendering its plan`, this.#output));
        else
          reject(
            new BuildFailure(
              `${options.label} ${signal ? `was killed (${signal})` : `exited with code ${code}`}`,
              this.#output,
              { error },
            ),
          );
      });
    });
    // A process that fails before its turn is noticed when its turn comes.
    this.done.catch(() => undefined);
  }

  /** Whether it has bundled the site and waits for its plan. */
  get bundled(): boolean {
    return this.#bundled;
  }

  /** Whether it is still running. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Pages written so far. */
  get pages(): number {
    return this.#pages;
  }

  /** Hands it the plan in `file` (written in full): now if it waits for one, else as soon as it has bundled. */
  render(file: string): void {
    this.#plan = path.resolve(file);
    this.#send();
  }

  /** Stops it, if it still runs. */
  stop(): void {
    if (this.running) this.child.kill('SIGTERM');
  }

  #send(): void {
    if (!this.#bundled || this.#plan === undefined || !this.child.connected) return;
    const message: ParentMessage = { type: 'plan', file: this.#plan };
    // A process that died meanwhile fails through 'close'; without a callback, a failed send would be an 'error'.
    this.child.send(message, () => undefined);
  }
}

// The render process's side.

const RENDER_PROCESS = Symbol.for('newsdesk.render-process');

/**
 * Makes this process a render process (`scripts/build.ts --render`): the routes then render the plan the parent
 * hands over (src/rendered-pages.ts). A flag on the global object, because Astro's bundle of src/rendered-pages.ts holds its own copy of
 * this module.
 */
export function becomeRenderProcess(): void {
  if (!process.send || !process.connected)
    throw new Error(
      '--render: a render process is started by the build or the rebuild service, which hand it its plan over an IPC channel; this process has none',
    );
  (globalThis as Record<symbol, unknown>)[RENDER_PROCESS] = true;
}

/** Whether this process is a render process. */
export function isRenderProcess(): boolean {
  return (globalThis as Record<symbol, unknown>)[RENDER_PROCESS] === true;
}

/** Says `bundled` and waits for the plan; rejects when the parent goes away first. Resolves with the plan's file. */
export function planFromParent(): Promise<string> {
  return new Promise((resolve, reject) => {
    const onMessage = (raw: unknown) => {
      const message = raw as ParentMessage;
      if (message.type !== 'plan') return;
      stop();
      resolve(message.file);
    };
    // Waiting for a process that is gone would wait forever.
    const onDisconnect = () => {
      stop();
      reject(new Error('render plan: the process that started this build has exited; no plan will come'));
    };
    // Listening keeps the process alive; once the plan is here, the channel must not.
    const stop = () => {
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
    };
    if (!process.connected) {
      onDisconnect();
      return;
    }
    process.on('message', onMessage);
    process.on('disconnect', onDisconnect);
    void tellParent({ type: 'bundled' });
  });
}

/** Sends a message to the parent; resolves once it is sent, or could not be (the parent is gone). */
export function tellParent(message: RendererMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

/** Closes the channel, so that it does not keep the process alive. */
export function leaveParent(): void {
  if (process.connected) process.disconnect?.();
}
