import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/** Checks the answers the other tests recorded, so it runs after them (see test/support/answer-log.ts). */
const ANSWERS_TEST = 'test/contract/answers.test.ts';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Most test files spend their time waiting on child processes (the CLI, agents, apt in Debian
    // chroots, Chromium, PostgreSQL), so two files at a time even on two cores; vitest's own default
    // (cores - 1) would run a 2-core machine's suite one file at a time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    globalSetup: ['test/support/answer-log-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'tests',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ANSWERS_TEST],
          sequence: { groupOrder: 0 },
        },
      },
      { extends: true, test: { name: 'answers', include: [ANSWERS_TEST], sequence: { groupOrder: 1 } } },
    ],
  },
});
