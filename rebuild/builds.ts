/**
 * The site's builds: a render plan rendered by a build process (build-processes.ts) and swapped in as the served
 * folder (site-folders.ts). A build renders only the pages whose key changed; a failed, crashed or killed build
 * leaves the current site as it was.
 */
import path from 'node:path';
import { BuildFailure } from '../src/build/failure.ts';
import type { RenderPlan } from '../src/lib/site/pages.ts';
import { BuildProcesses } from './build-processes.ts';
import { SiteFolders, type Build } from './site-folders.ts';

/** The builds of the site under `root`: `builds/a/` and `builds/b/` (the `current` symlink), `staging/`, `plans/`. */
export class SiteBuilds {
  readonly root: string;
  readonly #folders: SiteFolders;
  readonly #processes: BuildProcesses;

  /** `env`: variables the build processes get besides the service's (see BuildProcesses). */
  constructor(root: string, env?: Readonly<Record<string, string>>) {
    this.root = path.resolve(root);
    this.#folders = new SiteFolders(this.root);
    this.#processes = new BuildProcesses(this.root, env);
  }

  /** Picks up the build the `current` symlink points at, from an earlier run; clears what a crash left. */
  async init(): Promise<Build | undefined> {
    const current = await this.#folders.init();
    await this.#processes.clear();
    return current;
  }

  /** The build being served. */
  get current(): Build | undefined {
    return this.#folders.current;
  }

  /** Records that the current build already shows `revision` (a change that altered no page). */
  adopt(revision: string): void {
    this.#folders.adopt(revision);
  }

  /** The build process started ahead of time: "ready" (waiting for a plan), "starting" (bundling), or "none". */
  get renderer(): 'ready' | 'starting' | 'none' {
    return this.#processes.renderer;
  }

  /** The process id of the running build, if any. */
  get pid(): number | undefined {
    return this.#processes.pid;
  }

  /**
   * Renders the pages of `plan` (a render process: `scripts/build.ts --render`) and makes them, with the rest of the
   * site, the new current build. `keys` are the page keys of the whole new site. With `merge`, the plan holds only
   * the pages whose key differs from the current build's (and the routes every build renders); without, it holds
   * every page.
   */
  async build(
    plan: RenderPlan,
    options: { revision: string; keys: Map<string, string>; merge: boolean },
  ): Promise<Build> {
    const started = performance.now();
    const id = `${new Date().toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 18)}-${options.revision.slice(0, 8)}`;
    // stop() may have come while the model was computed: start no build after it.
    if (this.#processes.stopped) throw new BuildFailure('the service is stopping; the build was not started', '');
    const update = await this.#folders.begin(options.merge);
    try {
      const { staging, output } = await this.#processes.render(plan);
      await this.#folders.fill(update, staging, options.keys, output);
    } catch (error) {
      await this.#folders.abandon(update);
      throw error;
    }
    return this.#folders.swap(update, { id, revision: options.revision, keys: options.keys, started });
  }

  /** Starts the next build process ahead of time (see BuildProcesses.warm). */
  warm(): void {
    this.#processes.warm();
  }

  /** Stops a running build (on shutdown). */
  stop(): void {
    this.#processes.stop();
  }
}
