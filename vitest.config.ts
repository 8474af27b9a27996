import { defineConfig } from 'vitest/config';
import { DemoLastSequencer } from './test/support/sequencer.js';

export default defineConfig({
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'test/e2e/**/*.test.ts',
      'test/browser/**/*.test.ts',
    ],
    globalSetup: ['test/support/global-setup.ts'],
    sequence: { sequencer: DemoLastSequencer },
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
