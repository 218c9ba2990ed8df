import { defineConfig } from 'vitest/config';

// Three projects: unit (no I/O beyond temp files), integration (real git, PostgreSQL and PGlite,
// real agent CLIs against a scripted model server) and e2e (a real n8n).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/postgres-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Two cores: many files each starting services and agents at once only adds noise.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/postgres-global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          // A page's answer may take a few seconds on a loaded machine (expect.poll's default is 1 s).
          expect: { poll: { timeout: 15_000 } },
        },
      },
    ],
  },
});
