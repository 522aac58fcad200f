import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The type tests (test/*.test-d.ts) are checked by the package's typecheck (tsc over
    // src and test), which `pnpm test` runs: not again here.
  },
})
