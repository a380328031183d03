import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * Runs the quickest test files first. For each mutant Stryker runs only the tests that reach it and stops at the first
 * failure, so a quick unit test that kills the mutant spares the slow integration tests (Vitest's own order is the
 * reverse: slowest first, which suits a full run on many workers).
 */
class QuickestFirst extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cost = (spec: TestSpecification) => {
      const key = `${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`;
      return this.ctx.cache.getFileTestResults(key)?.duration ?? this.ctx.cache.getFileStats(key)?.size ?? 0;
    };
    return Promise.resolve([...files].sort((a, b) => cost(a) - cost(b)));
  }
}

// The tests as `npm run test:mutation` runs them: Stryker's instrumented code runs slower, so the time limits are
// longer (a test that only times out would count every mutant it covers as killed, or fail the dry run). The slowest
// end-to-end tests are left out: the build test builds whole sites with Astro (over two minutes), the three Sanity
// tests run whole imports, exports and builds against a lake (20 s each). A mutant only they notice would cost
// minutes, and it is a rule without a unit test, which is what the score is for.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        'test/build.test.ts',
        'test/sanity/import-export.test.ts',
        'test/sanity/perspectives.test.ts',
        'test/sanity/files-vs-sanity.test.ts',
      ],
      testTimeout: 180_000,
      hookTimeout: 300_000,
      sequence: { sequencer: QuickestFirst },
    },
  }),
);
