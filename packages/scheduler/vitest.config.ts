import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // release.test.ts forces garbage collection to see intermediate results dropped;
    // test/setup.ts prints warnings instead of Node.
    execArgv: ['--expose-gc', '--no-warnings'],
    setupFiles: ['test/setup.ts'],
    typecheck: {
      enabled: true,
      include: ['test/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
})
