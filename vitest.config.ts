// Test runner settings: unit tests live beside the code, end-to-end tests in test/.
// Two projects: `tusk` runs everything; `s3` runs the end-to-end tests of PFS a
// second time with each daemon's content on an s3rver (TUSK_TEST_STORAGE=s3,
// see test/helpers/daemon.ts), as DESIGN.md asks of CI. `--project tusk` runs
// the first alone.
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Files run in parallel, one per core and at least two: much of an end-to-end
 * file's time is spent waiting on daemons, workers and sockets, so vitest's
 * default (one fewer than the cores) ran a single file at a time on a 2-core CI
 * machine and left a core idle. TUSK_TEST_WORKERS overrides it.
 */
const workers = Number(process.env.TUSK_TEST_WORKERS) || Math.max(2, availableParallelism());

/** End-to-end tests of PFS (repos, commits, files through a real daemon) that also run in S3 mode. */
export const PFS_E2E = ['test/cli.test.ts', 'test/crash.test.ts', 'test/disconnect.test.ts', 'test/pack-index.test.ts', 'test/fsck.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: workers,
    projects: [
      {
        extends: true,
        test: {
          name: 'tusk',
          include: ['src/**/*.test.ts', 'worker/**/*.test.ts', 'sidecar/**/*.test.ts', 'console/**/*.test.ts', 'test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 's3',
          include: PFS_E2E,
          env: { TUSK_TEST_STORAGE: 's3' },
          setupFiles: ['test/helpers/s3-mode-setup.ts'],
        },
      },
    ],
  },
});
