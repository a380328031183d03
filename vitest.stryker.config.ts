import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The unit tests as `npm run test:mutation` runs them: Stryker's instrumented code runs slower, so the time limits
// are longer (a test that only times out would count every mutant it covers as killed, or fail the dry run).
export default mergeConfig(base, defineConfig({ test: { testTimeout: 180_000, hookTimeout: 300_000 } }));
