import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

// docs/errors.md promises every error class and code a user can meet: each class of
// taskgraph's own (a subclass of TaskgraphError) and each code one is given, read from the
// sources of every package and of the command, must be on the page.

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const PAGE = readFileSync(join(REPO, 'docs/errors.md'), 'utf8')

/** The .ts files under `dir`, tests left out. */
function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(path))
    .map((path) => readFileSync(join(dir, path), 'utf8'))
}

const CODE = [
  ...readdirSync(join(REPO, 'packages')).map((name) => join(REPO, 'packages', name, 'src')),
  join(REPO, 'apps/cli/src'),
].flatMap(sources)

/** TaskgraphError's subclasses, direct or not: `class X extends Y`, followed from the base. */
const bases = new Map(
  CODE.flatMap((text) =>
    [...text.matchAll(/class (\w+) extends (\w+)/g)].map((m) => [m[1]!, m[2]!] as const),
  ),
)
const classes = new Set<string>()
for (let grew = true; grew;) {
  grew = false
  for (const [name, base] of bases) {
    if (classes.has(name) || (base !== 'TaskgraphError' && !classes.has(base))) continue
    classes.add(name)
    grew = true
  }
}

/** The `code`s errors are given, set or listed as `'ERR_...'`. */
const codes = new Set(
  CODE.flatMap((text) =>
    [...text.matchAll(/(?:code(?: =|:)|^\s*\|) '(ERR_[A-Z_]+)'/gm)].map((m) => m[1]!),
  ),
)

test('the sources were read', () => {
  expect(classes).toContain('TaskError')
  expect(codes).toContain('ERR_TASK_FAILED')
})

test.each([...classes])('docs/errors.md lists %s', (name) => {
  expect(PAGE).toContain(`\`${name}\``)
})

test.each([...codes])('docs/errors.md lists %s', (code) => {
  expect(PAGE).toContain(`\`${code}\``)
})
