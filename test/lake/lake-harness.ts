import { createClient, type SanityClient } from '@sanity/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLake, type LakeOptions, type RunningLake } from '../../lake/server.ts';

/** Tokens the lake tests use, one per role. */
export const TOKENS = {
  admin: 'test-admin-token',
  editor: 'test-editor-token',
  viewer: 'test-viewer-token',
} as const;

/** A lake on a free port over a fresh temporary data file, with one token per role. */
export interface TestLake {
  lake: RunningLake;
  dir: string;
  dataFile: string;
  /** A real `@sanity/client` pointed at the lake (the editor token unless another, or `null` for anonymous, is given). */
  client(token?: string | null, apiVersion?: string, dataset?: string): SanityClient;
  /** Restarts the lake on the same data file (close, then start). */
  restart(extra?: Partial<LakeOptions>): Promise<void>;
  close(): Promise<void>;
}

/** Starts a lake for one test; call `close()` in `afterEach`. */
export async function startTestLake(extra: Partial<LakeOptions> = {}): Promise<TestLake> {
  const dir = await mkdtemp(join(tmpdir(), 'lake-test-'));
  const dataFile = join(dir, 'data.ndjson');
  const options = (more: Partial<LakeOptions>): LakeOptions => ({
    dataFile,
    tokens: {
      [TOKENS.admin]: { role: 'administrator', name: 'Test Admin' },
      [TOKENS.editor]: { role: 'editor', name: 'Test Editor' },
      [TOKENS.viewer]: { role: 'viewer', name: 'Test Viewer' },
    },
    ...extra,
    ...more,
  });
  const state: TestLake = {
    lake: await startLake(options({})),
    dir,
    dataFile,
    client(token = TOKENS.editor, apiVersion = '2025-02-19', dataset = 'production') {
      return createClient({
        projectId: 'local',
        dataset,
        apiVersion,
        apiHost: state.lake.url,
        useProjectHostname: false,
        useCdn: false,
        // A test asserts one answer; the client's own retries would only hide it.
        maxRetries: 0,
        ...(token === null ? {} : { token }),
      });
    },
    async restart(more = {}) {
      await state.lake.close();
      state.lake = await startLake(options(more));
    },
    async close() {
      await state.lake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return state;
}

/** The status and JSON body of a failed client call, for asserting Sanity's error shapes. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ statusCode: number; body: unknown; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { statusCode?: number; response?: { body?: unknown }; message: string };
    return { statusCode: e.statusCode ?? 0, body: e.response?.body, message: e.message };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
