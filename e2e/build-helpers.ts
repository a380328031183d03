import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serveStatic } from '../src/lib/server/static-files.ts';

/** The site's origin in the e2e build (scripts/e2e.ts sets SITE_URL to it unless SITE_URL is set). */
export const E2E_SITE_URL = 'https://news.example.test';

/** Builds the site into `outDir` with extra environment (e.g. CONTENT_DIR); returns the exit status and output. */
export function buildSite(outDir: string, env: Record<string, string> = {}): { status: number; output: string } {
  const result = spawnSync(process.execPath, ['scripts/build.ts', '--outDir', outDir], {
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', ...env },
    encoding: 'utf8',
  });
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

/** Every file under `dir`, as paths relative to it, sorted. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}

/** Every HTML file under `dir` with its text. */
export function htmlFiles(dir: string): { file: string; html: string }[] {
  return listFiles(dir)
    .filter((f) => f.endsWith('.html'))
    .map((file) => ({ file, html: readFileSync(path.join(dir, file), 'utf8') }));
}

/** Serves a built directory on a free loopback port. */
export async function serveDir(dir: string): Promise<{ url: string; server: Server }> {
  const root = path.resolve(dir);
  const server = createServer((req, res) => void serveStatic(root, req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}
