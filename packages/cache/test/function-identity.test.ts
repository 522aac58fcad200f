import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { functionIdentity } from '../src/function-identity.js'
import { SourceFingerprints } from '../src/source-fingerprints.js'

let project: string
beforeEach(async () => {
  project = await mkdtemp(join(tmpdir(), 'taskgraph-identity-'))
})
afterEach(() => rm(project, { recursive: true, force: true }))

async function write(tree: Record<string, string>): Promise<void> {
  for (const [path, source] of Object.entries(tree)) {
    await mkdir(dirname(join(project, path)), { recursive: true })
    await writeFile(join(project, path), source)
  }
}

// The functions' own code: only their names and text matter here.
function clean(text: string): string {
  return text.trim()
}
const anonymous = [(x: number) => x][0]!

/** The identity of `fn` as wrapped by flow.ts, read as a new run would read the files. */
function identity(fn: (...args: never[]) => unknown): string {
  return functionIdentity(fn, join(project, 'flow.ts'), new SourceFingerprints()).identity
}

describe('functionIdentity', () => {
  test('a function imported from the module that declares it follows that module, not the workflow', async () => {
    await write({
      'flow.ts': "import { clean } from './steps/clean.js'\nexport const input = 'a'",
      'steps/clean.ts':
        "import { trim } from '../lib/trim.js'\nexport function clean(t) { return trim(t) }",
      'lib/trim.ts': 'export const trim = (t) => t.trim()',
    })
    const before = identity(clean)
    await write({ 'flow.ts': "import { clean } from './steps/clean.js'\nexport const input = 'b'" })
    expect(identity(clean)).toBe(before)
    await write({ 'lib/trim.ts': 'export const trim = (t) => t.trimEnd()' })
    expect(identity(clean)).not.toBe(before)
  })

  test.for([
    ['declares it', 'function clean(t) { return t.trim() + SUFFIX }'],
    ['makes it as a property', 'const steps = { clean: (t) => t + SUFFIX }'],
    ['makes it as a method', 'const steps = { clean(t) { return t + SUFFIX } }'],
  ])('a function the workflow %s follows the workflow', async ([, made]) => {
    // Another module declares a `clean` too: the workflow's own counts.
    await write({
      'flow.ts': `import './other.js'\nconst SUFFIX = '!'\n${made}`,
      'other.ts': 'export function clean(t) { return t }',
    })
    const before = identity(clean)
    await write({ 'flow.ts': `import './other.js'\nconst SUFFIX = '?'\n${made}` })
    expect(identity(clean)).not.toBe(before)
  })

  test('a name two modules declare, or none, leaves the workflow in charge', async () => {
    await write({
      'flow.ts': "import './a.js'\nimport './b.js'\nexport const input = 1",
      'a.ts': 'export function clean(t) { return t }',
      'b.ts': 'export const clean = (t) => t',
    })
    const before = identity(clean)
    await write({ 'flow.ts': "import './a.js'\nimport './b.js'\nexport const input = 2" })
    expect(identity(clean)).not.toBe(before)
    const nameless = identity(anonymous)
    await write({ 'flow.ts': "import './a.js'\nimport './b.js'\nexport const input = 3" })
    expect(identity(anonymous)).not.toBe(nameless)
  })

  test.for([
    [
      'a static method',
      'export class Stats {\n  static clean(t: string): string {\n    return t + SUFFIX\n  }\n}',
    ],
    ['a property', 'export const steps = { clean: (t) => t + SUFFIX }'],
    // Quoted, or computed from a string: the property patterns did not see these.
    ['a quoted property', "export const steps = { 'clean': (t) => t + SUFFIX }"],
    ['a computed property', "export const steps = { ['clean']: (t) => t + SUFFIX }"],
    [
      'a function made inside another',
      'export function make(s) {\n  return function clean(t) { return t + s }\n}\nexport const cleaner = make(SUFFIX)',
    ],
  ])(
    'a name another module makes as %s as well as one declaring it leaves the workflow in charge',
    async ([, made]) => {
      // Which of the two made the function cannot be told: the declaring module's
      // fingerprint would leave out SUFFIX.
      await write({
        'flow.ts': "import './lib/stats.js'\nexport const input = 1",
        'lib/stats.ts': `import './util.js'\nimport { SUFFIX } from './suffix.js'\n${made}`,
        'lib/util.ts': 'export function clean(t) { return t }',
        'lib/suffix.ts': "export const SUFFIX = '!'",
      })
      const before = identity(clean)
      await write({ 'lib/suffix.ts': "export const SUFFIX = '?'" })
      expect(identity(clean)).not.toBe(before)
    },
  )

  test('a function made inside another follows the workflow even when no other module names it', async () => {
    await write({
      'flow.ts': "import { cleaner } from './lib/use.js'\nexport const input = 1",
      'lib/use.ts': "import { make } from './make.js'\nexport const cleaner = make('!')",
      'lib/make.ts': 'export function make(s) {\n  return function clean(t) { return t + s }\n}',
    })
    const before = identity(clean)
    await write({
      'lib/use.ts': "import { make } from './make.js'\nexport const cleaner = make('?')",
    })
    expect(identity(clean)).not.toBe(before)
  })

  test('a package the workflow imports counts for an imported function too', async () => {
    await write({
      'flow.ts': "import { clean } from './steps/clean.js'\nimport 'dep'",
      'steps/clean.ts': 'export function clean(t) { return t }',
      'node_modules/dep/package.json': '{ "name": "dep", "version": "1.0.0" }',
    })
    const before = identity(clean)
    await write({ 'node_modules/dep/package.json': '{ "name": "dep", "version": "2.0.0" }' })
    expect(identity(clean)).not.toBe(before)
  })

  test("a function's own code counts, wherever it is declared", () => {
    const other = function clean(text: string): string {
      return text.trimStart()
    }
    return write({ 'flow.ts': 'function clean(t) {}' }).then(() => {
      expect(identity(other)).not.toBe(identity(clean))
    })
  })
})
