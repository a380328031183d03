// One Astro build in this process, into `outDir`: the whole site, or, in a render process, the plan handed over.
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'astro';
import { errorReport } from './failure.ts';
import { becomeRenderProcess, leaveParent, tellParent } from './ipc.ts';

/**
 * A render process (`scripts/build.ts --render`): the Astro build of the plan its parent hands over (see ipc.ts),
 * which it then tells how the build ended.
 */
export async function renderPlan(outDir: string | undefined): Promise<void> {
  becomeRenderProcess();
  try {
    await astroBuild(outDir);
    await tellParent({ type: 'done' });
  } catch (error) {
    await tellParent({ type: 'failed', error: errorReport(error) });
    throw error;
  } finally {
    leaveParent();
  }
}

/**
 * Runs `astro build`. Astro puts a build's server chunks in <outDir>/.prerender, but in ./.astro when outDir lies
 * outside the project, where two builds running at once would overwrite each other's. So such a build runs in a
 * folder of its own inside the project and is moved to outDir when it succeeds.
 */
export async function astroBuild(outDir: string | undefined): Promise<void> {
  const outside = outDir !== undefined && !outDir.startsWith(process.cwd() + path.sep);
  const buildDir = outside ? path.resolve('node_modules/.cache/newsdesk/out', String(process.pid)) : outDir;
  // A render process started ahead of time is stopped when it is not needed: it leaves no folder behind.
  if (outside && buildDir)
    process.once('SIGTERM', () => void rm(buildDir, { recursive: true, force: true }).finally(() => process.exit(143)));
  try {
    await build(buildDir ? { outDir: buildDir } : {});
    if (outside && outDir && buildDir) await moveDir(buildDir, outDir);
  } finally {
    if (outside && buildDir) await rm(buildDir, { recursive: true, force: true });
  }
}

/** Moves a folder to `to`, replacing what is there. */
export async function moveDir(from: string, to: string): Promise<void> {
  await rm(to, { recursive: true, force: true });
  await mkdir(path.dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch {
    // Another file system: copy, then remove.
    await cp(from, to, { recursive: true });
    await rm(from, { recursive: true, force: true });
  }
}
