import { defineConfig } from 'vitest/config';

// The JSON report is what .ci/run counts; `npm test` writes it too, so CI runs exactly the README command.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'rules/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.ci/results/vitest.json' },
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
