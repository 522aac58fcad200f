import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

// docs/executors.md tabulates the options of `new ThreadExecutor` and `new ProcessExecutor`:
// every option the pools take (read from the source, as the constructors check them) must
// have its row, so that none works without a word about it in the docs.

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const PAGE = readFileSync(join(REPO, 'docs/executors.md'), 'utf8')
const SOURCE = readFileSync(join(REPO, 'packages/scheduler/src/pool/pool-options.ts'), 'utf8')

const listed = /POOL_OPTION_NAMES = \[([^\]]*)\]/.exec(SOURCE)?.[1] ?? ''
const names = [...listed.matchAll(/'(\w+)'/g)].map((m) => m[1]!)

/** The first column of the table that follows the line introducing the pools' options. */
const table = PAGE.split(
  '`new ThreadExecutor(options)` and `new ProcessExecutor(options)` take:',
)[1]?.split('\n\n')[1]
const rows = [...(table ?? '').matchAll(/^\| `(\w+)` /gm)].map((m) => m[1]!)

test('the options and the table were read', () => {
  expect(names).toContain('workers')
  expect(rows).toContain('workers')
})

test.each(names)('docs/executors.md has a row for the pool option %s', (name) => {
  expect(rows).toContain(name)
})
