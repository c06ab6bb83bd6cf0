import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A real PostgreSQL server for the record tests (found, or started from Debian's binaries), and
    // a throwaway Redis server for the fleet tests.
    globalSetup: ['test/helpers/postgres-server.ts', 'test/helpers/redis-server.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Integration tests stream audio in real time; two cores run two files at once.
    maxWorkers: 2,
    // The JSON report is what .ci/run reads for its closing "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: '.tmp/vitest-report.json' }]],
  },
});
