import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that start pools of their own wait for workers to load, seconds each while
    // the other packages' suites load the same cores: 5 s is too little in CI.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // test/setup.ts prints warnings instead of Node.
    execArgv: ['--no-warnings'],
    setupFiles: ['test/setup.ts'],
    // The type tests (test/*.test-d.ts) are checked by the package's typecheck (tsc over
    // src and test), which `pnpm test` runs: not again here.
  },
})
