import { mkdir, mkdtemp, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { FileHashMemo } from '../src/file-hash-memo.js'
import { SourceFingerprints } from '../src/source-fingerprints.js'

let project: string
beforeEach(async () => {
  project = await mkdtemp(join(tmpdir(), 'taskgraph-fingerprints-'))
})
afterEach(() => rm(project, { recursive: true, force: true }))

/** Writes the files of `tree` (path → source) under the project. */
async function write(tree: Record<string, string>): Promise<void> {
  for (const [path, source] of Object.entries(tree)) {
    await mkdir(dirname(join(project, path)), { recursive: true })
    await writeFile(join(project, path), source)
  }
}

/** The fingerprints of `paths` as a fresh run would take them. */
function fingerprints(...paths: string[]): string[] {
  const taken = new SourceFingerprints()
  return paths.map((path) => taken.of(join(project, path)))
}

describe('SourceFingerprints', () => {
  beforeEach(() =>
    write({
      'flow.ts': "import { clean } from './steps/clean.js'\nexport const a = clean",
      'steps/clean.ts': "import { trim } from '../lib/text'\nexport const clean = trim",
      'lib/text.ts': 'export const trim = (s: string) => s.trim()',
      'other.ts': "import { helper } from './lib/other.js'\nexport const b = helper",
      'lib/other.ts': 'export const helper = 1',
    }),
  )

  test('a module is fingerprinted the same by two runs of unchanged code', () => {
    expect(fingerprints('flow.ts', 'other.ts')).toEqual(fingerprints('flow.ts', 'other.ts'))
  })

  test('editing a helper two imports away changes the modules that reach it, and no other', async () => {
    const [flow, other] = fingerprints('flow.ts', 'other.ts')
    await write({ 'lib/text.ts': 'export const trim = (s: string) => s.trimStart()' })
    const [flowAfter, otherAfter] = fingerprints('flow.ts', 'other.ts')
    expect(flowAfter).not.toBe(flow)
    expect(otherAfter).toBe(other)
  })

  test('follows imports in every form: side effect, re-export, dynamic, require, import = require', async () => {
    await write({
      'forms.ts': [
        "import './a.js'",
        "export * from './b.js'",
        "const c = await import('./c.js')",
        "const d = require('./d.cjs')",
        "import e = require('./e')",
        'const f = await import(`./f.js`)',
      ].join('\n'),
      ...Object.fromEntries(
        ['a.ts', 'b.ts', 'c.ts', 'd.cjs', 'e.ts', 'f.js'].map((file) => [file, `// ${file}`]),
      ),
    })
    for (const file of ['a.ts', 'b.ts', 'c.ts', 'd.cjs', 'e.ts', 'f.js']) {
      const [before] = fingerprints('forms.ts')
      await write({ [file]: `// ${file}, edited` })
      expect(fingerprints('forms.ts')[0], file).not.toBe(before)
    }
  })

  test('an import added to a file is followed by the next run of the same process', async () => {
    fingerprints('flow.ts')
    await write({
      'lib/text.ts': "import { pad } from './pad.js'\nexport const trim = (s: string) => pad(s)",
      'lib/pad.ts': 'export const pad = (s: string) => s',
    })
    const [before] = fingerprints('flow.ts')
    await write({ 'lib/pad.ts': 'export const pad = (s: string) => ` ${s}`' })
    expect(fingerprints('flow.ts')[0]).not.toBe(before)
  })

  test('an import that finds no file yet changes the fingerprint once the file exists', async () => {
    await write({ 'late.ts': "import { x } from './not-yet.js'" })
    const [before] = fingerprints('late.ts')
    await write({ 'not-yet.ts': 'export const x = 1' })
    expect(fingerprints('late.ts')[0]).not.toBe(before)
  })

  // tsx loads helper.ts for './helper.js', Node's type stripping helper.js.
  test("an import of './helper.js' counts helper.ts too, when both are there", async () => {
    await write({
      'uses.ts': "import { h } from './helper.js'\nexport const a = h",
      'helper.ts': 'export const h = 1',
      'helper.js': 'export const h = 100',
    })
    const [first] = fingerprints('uses.ts')
    await write({ 'helper.ts': 'export const h = 2' })
    const [second] = fingerprints('uses.ts')
    expect(second).not.toBe(first)
    await write({ 'helper.js': 'export const h = 200' })
    expect(fingerprints('uses.ts')[0]).not.toBe(second)
  })

  /** The fingerprints of `path` before and after each edit of `edits` (path → source). */
  async function keysAfterEdits(path: string, edits: [string, string][]): Promise<string[]> {
    const keys = fingerprints(path)
    for (const [file, source] of edits) {
      await write({ [file]: source })
      keys.push(...fingerprints(path))
    }
    return keys
  }

  // require('./dep') loads dep.js, tsx's import of it dep.ts.
  test("an import without extension counts each file it may load: './dep' beside dep.ts and dep.js", async () => {
    await write({
      'uses.cts': "const { k } = require('./dep')\nexports.k = k",
      'dep.js': 'exports.k = 2',
      'dep.ts': 'export const k = 200',
    })
    const keys = await keysAfterEdits('uses.cts', [
      ['dep.js', 'exports.k = 3'],
      ['dep.ts', 'export const k = 300'],
    ])
    expect(new Set(keys).size).toBe(3)
  })

  test("a directory required by its path counts its package.json's main, and its index", async () => {
    await write({
      'uses.cjs': "exports.k = require('./lib').k",
      'lib/package.json': '{ "main": "impl" }',
      'lib/impl.js': 'exports.k = 2',
      'lib/index.js': 'exports.k = 20',
    })
    const keys = await keysAfterEdits('uses.cjs', [
      ['lib/impl.js', 'exports.k = 3'],
      ['lib/index.js', 'exports.k = 30'],
    ])
    expect(new Set(keys).size).toBe(3)
  })

  test("a directory whose package.json's main names itself is read once", async () => {
    await write({
      'uses.cjs': "exports.k = require('./lib').k",
      'lib/package.json': '{ "main": "." }',
      'lib/index.js': 'exports.k = 2',
    })
    const keys = await keysAfterEdits('uses.cjs', [['lib/index.js', 'exports.k = 3']])
    expect(new Set(keys).size).toBe(2)
  })

  test('an import with a query or a fragment counts the file it names', async () => {
    await write({
      'uses.ts':
        "import { k } from './q.js?v=1'\nimport { j } from './r.js#top'\nexport const a = k + j",
      'q.js': 'export const k = 2',
      'r.js': 'export const j = 2',
    })
    const keys = await keysAfterEdits('uses.ts', [
      ['q.js', 'export const k = 3'],
      ['r.js', 'export const j = 3'],
    ])
    expect(new Set(keys).size).toBe(3)
  })

  test('an import written with URL escapes, behind a comment or in the other quotes counts its file', async () => {
    await write({
      'uses.ts': [
        "import { k } from './my%20consts.js'",
        'import { j } from "./it\'s.js"',
        "export const later = () => import(/* lazily */ './later.js')",
        "const config = createRequire(import.meta.url)('./config.json')",
        'export const a = k + j + config.m',
      ].join('\n'),
      'my consts.js': 'export const k = 2',
      "it's.js": 'export const j = 2',
      'later.js': 'export const l = 2',
      'config.json': '{ "m": 2 }',
    })
    const keys = await keysAfterEdits('uses.ts', [
      ['my consts.js', 'export const k = 3'],
      ["it's.js", 'export const j = 3'],
      ['later.js', 'export const l = 3'],
      ['config.json', '{ "m": 3 }'],
    ])
    expect(new Set(keys).size).toBe(5)
  })

  // Node loads a module by its real path: its imports are found beside the file linked to.
  test('a module reached through a link counts what it imports beside the file it links to', async () => {
    await write({
      'proj/flow.ts':
        "import { k } from './helper.js'\nimport { j } from './lib/other.js'\nexport const a = k + j",
      'real/helper.ts': "export { k } from './dep.js'",
      'real/dep.ts': 'export const k = 2',
      'common/lib/other.ts': "export { j } from '../config.js'",
      'common/config.ts': 'export const j = 2',
    })
    await symlink(join(project, 'real/helper.ts'), join(project, 'proj/helper.ts'))
    await symlink(join(project, 'common/lib'), join(project, 'proj/lib'))
    const keys = await keysAfterEdits('proj/flow.ts', [
      ['real/dep.ts', 'export const k = 3'],
      ['common/config.ts', 'export const j = 3'],
    ])
    expect(new Set(keys).size).toBe(3)
  })

  test('a require made by createRequire under another name is followed', async () => {
    await write({
      'uses.mts': [
        "import { createRequire } from 'node:module'",
        'const load = createRequire(import.meta.url)',
        "const { k } = load('./dep.cjs')",
        'export { k }',
      ].join('\n'),
      'dep.cjs': 'exports.k = 2',
    })
    const keys = await keysAfterEdits('uses.mts', [['dep.cjs', 'exports.k = 3']])
    expect(new Set(keys).size).toBe(2)
  })

  test('modules that import each other are fingerprinted (a cycle ends)', async () => {
    await write({
      'ping.ts': "import './pong.js'\nexport const ping = 1",
      'pong.ts': "import './ping.js'\nexport const pong = 1",
    })
    const [ping] = fingerprints('ping.ts')
    await write({ 'pong.ts': "import './ping.js'\nexport const pong = 2" })
    expect(fingerprints('ping.ts')[0]).not.toBe(ping)
  })

  test('an installed package counts by its version; a linked one by its files', async () => {
    await write({
      'uses.ts': "import 'dep'\nimport '@org/shared/util'",
      'node_modules/dep/package.json': '{ "name": "dep", "version": "1.0.0" }',
      'node_modules/dep/index.js': 'export default 1',
      'packages/shared/package.json': '{ "name": "@org/shared", "version": "0.0.0" }',
      'packages/shared/util.ts': 'export const util = 1',
    })
    await mkdir(join(project, 'node_modules/@org'), { recursive: true })
    await symlink(join(project, 'packages/shared'), join(project, 'node_modules/@org/shared'))
    const [first] = fingerprints('uses.ts')

    // The installed package's files are not read: only a new version changes the key.
    await write({ 'node_modules/dep/index.js': 'export default 2' })
    const [second] = fingerprints('uses.ts')
    expect(second).toBe(first)
    await write({ 'node_modules/dep/package.json': '{ "name": "dep", "version": "1.0.1" }' })
    const [third] = fingerprints('uses.ts')
    expect(third).not.toBe(second)

    // The workspace package's version stays 0.0.0 while its code changes.
    await write({ 'packages/shared/util.ts': 'export const util = 2' })
    expect(fingerprints('uses.ts')[0]).not.toBe(third)
  })

  test('taskgraph itself counts by its version, linked or not; a linked copy of another version by its files', async () => {
    const { TASKGRAPH_VERSION } = await import('../src/taskgraph-version.js')
    await write({
      'uses.ts': "import { delayed } from 'taskgraph'\nimport '@taskgraph/core'",
      'tg/cli/package.json': `{ "name": "taskgraph", "version": "${TASKGRAPH_VERSION}" }`,
      'tg/cli/index.js': 'export const delayed = 1',
      'tg/core/package.json': `{ "name": "@taskgraph/core", "version": "${TASKGRAPH_VERSION}" }`,
      'tg/core/index.js': 'export const core = 1',
    })
    await mkdir(join(project, 'node_modules/@taskgraph'), { recursive: true })
    await symlink(join(project, 'tg/cli'), join(project, 'node_modules/taskgraph'))
    await symlink(join(project, 'tg/core'), join(project, 'node_modules/@taskgraph/core'))
    const taken = new SourceFingerprints()
    expect(taken.packages(join(project, 'uses.ts'))).toEqual([
      `package @taskgraph/core@${TASKGRAPH_VERSION}`,
      `package taskgraph@${TASKGRAPH_VERSION}`,
    ])
    const [first] = fingerprints('uses.ts')
    await write({ 'tg/cli/index.js': 'export const delayed = 2' })
    expect(fingerprints('uses.ts')[0]).toBe(first)

    // Another version, linked: not the taskgraph whose version the keys hold.
    await write({ 'tg/cli/package.json': '{ "name": "taskgraph", "version": "0.0.0-other" }' })
    const [other] = fingerprints('uses.ts')
    expect(new SourceFingerprints().packages(join(project, 'uses.ts'))[0]).toMatch(
      /^linked taskgraph [0-9a-f]{64}$/,
    )
    await write({ 'tg/cli/index.js': 'export const delayed = 3' })
    expect(fingerprints('uses.ts')[0]).not.toBe(other)
  })

  test('taskgraph not installed counts as the running copy, which the CLI then imports', async () => {
    const { TASKGRAPH_VERSION } = await import('../src/taskgraph-version.js')
    await write({ 'uses.ts': "import { delayed } from 'taskgraph'\nimport '@/lib/x'" })
    const taken = new SourceFingerprints()
    expect(taken.packages(join(project, 'uses.ts'))).toEqual([
      'other @/lib/x',
      `package taskgraph@${TASKGRAPH_VERSION}`,
    ])
    expect(taken.unfollowable(join(project, 'uses.ts'))).toEqual(['@/lib/x'])
  })

  test('a project moved to another directory keeps its fingerprints', async () => {
    const [before] = fingerprints('flow.ts')
    const moved = `${project}-moved`
    await rm(moved, { recursive: true, force: true })
    await rename(project, moved)
    try {
      expect(new SourceFingerprints().of(join(moved, 'flow.ts'))).toBe(before)
    } finally {
      await rename(moved, project)
    }
  })

  test('a bare import that names no installed package cannot be followed, and says so', async () => {
    await write({
      'aliased.ts': [
        "import { x } from '@/lib/x'",
        "import { readFile } from 'fs'",
        '// the rows come from the server, and from "the cache"',
        "const note = 'loaded from the old system'",
        // Calls of methods named from or import: their strings name nothing to import.
        "const bytes = Buffer.from('hey', 'utf8')",
        'const letters = Array.from("abc")',
        "const lazy = loader.import('data')",
        "const stream = from('events')",
        // Imports that load nothing: commented out, in a string, type-only.
        "// import { chunk } from 'lodash-es'",
        'const query = "select * from \'users\'"',
        "import type { Request } from 'express-serve-static-core'",
      ].join('\n'),
    })
    const taken = new SourceFingerprints()
    expect(taken.unfollowable(join(project, 'aliased.ts'))).toEqual(['@/lib/x'])
    expect(taken.unfollowable(join(project, 'flow.ts'))).toEqual([])
  })

  // tsconfig's paths take any name: SvelteKit's `$lib`, a capitalised one.
  test('a bare import of any shape that names no package cannot be followed; a data: URL counts by its text', async () => {
    await write({
      'aliased.ts': [
        "import { k } from '$lib/dep.js'",
        "import { j } from 'Lib/dep.js'",
        "import 'data:text/javascript,export default 1'",
      ].join('\n'),
    })
    const taken = new SourceFingerprints()
    expect(taken.unfollowable(join(project, 'aliased.ts'))).toEqual(['$lib/dep.js', 'Lib/dep.js'])
  })

  test('a linked package counts by what it publishes: its files list, never hidden directories', async () => {
    await write({
      'uses.ts': "import 'shared'",
      'packages/shared/package.json': '{ "name": "shared", "version": "0.0.0", "files": ["dist"] }',
      'packages/shared/dist/index.js': 'export const a = 1',
      'packages/shared/test/fixture.ts': 'export const t = 1',
      'packages/shared/.cache/index.json': '{}',
    })
    await mkdir(join(project, 'node_modules'), { recursive: true })
    await symlink(join(project, 'packages/shared'), join(project, 'node_modules/shared'))
    const [first] = fingerprints('uses.ts')
    await write({
      'packages/shared/test/fixture.ts': 'export const t = 2',
      'packages/shared/.cache/index.json': '{ "changed": true }',
    })
    expect(fingerprints('uses.ts')[0]).toBe(first)
    await write({ 'packages/shared/dist/index.js': 'export const a = 2' })
    expect(fingerprints('uses.ts')[0]).not.toBe(first)
  })

  // A workspace package run from its sources publishes only what it builds.
  test('a linked package counts by the directories of its entry points, whatever its files list', async () => {
    await write({
      'uses.ts': "import 'shared'\nimport 'other'",
      'packages/shared/package.json':
        '{ "name": "shared", "version": "0.0.0", "main": "src/index.ts", "files": ["dist"] }',
      'packages/shared/src/index.ts': "export { a } from './a.js'",
      'packages/shared/src/a.ts': 'export const a = 1',
      'packages/shared/dist/index.js': 'export const a = 1',
      'packages/other/package.json':
        '{ "name": "other", "version": "0.0.0", "exports": { ".": { "import": "./lib/index.ts" }, "./*": "./more/*.ts" }, "files": ["dist"] }',
      'packages/other/lib/index.ts': 'export const b = 1',
      'packages/other/more/c.ts': 'export const c = 1',
    })
    await mkdir(join(project, 'node_modules'), { recursive: true })
    await symlink(join(project, 'packages/shared'), join(project, 'node_modules/shared'))
    await symlink(join(project, 'packages/other'), join(project, 'node_modules/other'))
    const keys = [fingerprints('uses.ts')[0]]
    for (const [path, source] of [
      ['packages/shared/src/a.ts', 'export const a = 2'],
      ['packages/other/lib/index.ts', 'export const b = 2'],
      ['packages/other/more/c.ts', 'export const c = 2'],
    ] as const) {
      await write({ [path]: source })
      keys.push(fingerprints('uses.ts')[0])
    }
    expect(new Set(keys).size).toBe(keys.length)
  })

  test('a linked package counts the files its own files import by relative paths, outside what it publishes', async () => {
    await write({
      'uses.ts': "import 'shared'",
      'packages/shared/package.json':
        '{ "name": "shared", "version": "0.0.0", "exports": "./src/index.ts", "files": ["dist"] }',
      'packages/shared/src/index.ts': "export { k } from '../data/table.ts'",
      'packages/shared/data/table.ts': "export { k } from './deeper.ts'",
      'packages/shared/data/deeper.ts': 'export const k = 2',
    })
    await mkdir(join(project, 'node_modules'), { recursive: true })
    await symlink(join(project, 'packages/shared'), join(project, 'node_modules/shared'))
    const keys = [fingerprints('uses.ts')[0]]
    for (const [path, source] of [
      ['packages/shared/data/table.ts', "export { k } from './deeper.ts'\n"],
      ['packages/shared/data/deeper.ts', 'export const k = 3'],
    ] as const) {
      await write({ [path]: source })
      keys.push(fingerprints('uses.ts')[0])
    }
    expect(new Set(keys).size).toBe(keys.length)
  })

  test('a linked package counts by the packages its own files import, linked or installed', async () => {
    await write({
      'uses.ts': "import 'shared'",
      'packages/shared/package.json': '{ "name": "shared", "version": "0.0.0" }',
      'packages/shared/index.js':
        "import { base } from 'base'\nimport 'dep'\nexport const a = base",
      'packages/base/package.json': '{ "name": "base", "version": "0.0.0" }',
      'packages/base/index.js': "import 'shared'\nexport const base = 1",
      'node_modules/dep/package.json': '{ "name": "dep", "version": "1.0.0" }',
    })
    await mkdir(join(project, 'node_modules'), { recursive: true })
    await mkdir(join(project, 'packages/shared/node_modules'), { recursive: true })
    await mkdir(join(project, 'packages/base/node_modules'), { recursive: true })
    await symlink(join(project, 'packages/shared'), join(project, 'node_modules/shared'))
    await symlink(
      join(project, 'packages/base'),
      join(project, 'packages/shared/node_modules/base'),
    )
    // The two import each other: the walk ends.
    await symlink(
      join(project, 'packages/shared'),
      join(project, 'packages/base/node_modules/shared'),
    )
    const [first] = fingerprints('uses.ts')
    await write({ 'packages/base/index.js': "import 'shared'\nexport const base = 7" })
    const [second] = fingerprints('uses.ts')
    expect(second).not.toBe(first)
    await write({ 'node_modules/dep/package.json': '{ "name": "dep", "version": "1.0.1" }' })
    expect(fingerprints('uses.ts')[0]).not.toBe(second)
  })

  test("a linked package's declaration files do not count: they hold no code that runs", async () => {
    await write({
      'uses.ts': "import 'shared'",
      'packages/shared/package.json': '{ "name": "shared", "version": "0.0.0", "files": ["dist"] }',
      'packages/shared/dist/index.js': 'export const a = 1',
      'packages/shared/dist/index.d.ts': 'export declare const a: number',
      'packages/shared/dist/extra.d.mts': 'export declare const b: number',
    })
    await mkdir(join(project, 'node_modules'), { recursive: true })
    await symlink(join(project, 'packages/shared'), join(project, 'node_modules/shared'))
    const [first] = fingerprints('uses.ts')
    await write({
      'packages/shared/dist/index.d.ts': 'export declare const a: 1',
      'packages/shared/dist/extra.d.mts': 'export declare const b: 2',
    })
    expect(fingerprints('uses.ts')[0]).toBe(first)
    await write({ 'packages/shared/dist/index.mts': 'export const a = 1' })
    expect(fingerprints('uses.ts')[0]).not.toBe(first)
  })

  /** uses.ts importing the linked package `shared`, whose util.js it returns the path of. */
  async function usesLinkedShared(): Promise<{ uses: string; util: string }> {
    await write({
      'uses.ts': "import 'shared'",
      'packages/shared/package.json': '{ "name": "shared", "version": "0.0.0" }',
      'packages/shared/util.js': 'export const a = 1',
    })
    await mkdir(join(project, 'node_modules'), { recursive: true })
    await symlink(join(project, 'packages/shared'), join(project, 'node_modules/shared'))
    return { uses: join(project, 'uses.ts'), util: join(project, 'packages/shared/util.js') }
  }

  test("a linked package's files are read again only when their size, times or inode changed", async () => {
    const { uses, util } = await usesLinkedShared()
    // As if the files had been written a while ago (see `RACY_MS`).
    const later = (): number => Date.now() + 10_000
    const first = new SourceFingerprints(new Map(), later)
    const before = first.of(uses)
    const memo: FileHashMemo = first.changedMemo()!
    expect([...memo.keys()].sort()).toEqual([join(project, 'packages/shared/package.json'), util])

    // Unchanged: the memo answers, and has nothing new to keep.
    const again = new SourceFingerprints(new Map(memo), later)
    expect(again.of(uses)).toBe(before)
    expect(again.changedMemo()).toBeUndefined()

    // The same size, another modification time: read again, and the new content counts.
    const { mtime } = await stat(util)
    await writeFile(util, 'export const a = 2')
    await utimes(util, mtime, new Date(mtime.getTime() + 5000))
    const edited = new SourceFingerprints(new Map(memo), later)
    expect(edited.of(uses)).not.toBe(before)
    expect(edited.changedMemo()?.get(util)?.[1]).toBe((await stat(util)).mtimeMs)
  })

  // An npm tarball dates every file 1985-10-26, `cp -p` and `touch -d` set a date of
  // their choice: only the status change time, which no call sets, tells such a write.
  test("a linked package's file written again with its old size and modification time is read again", async () => {
    const { uses, util } = await usesLinkedShared()
    const tarballDate = new Date('1985-10-26T08:15:00Z')
    await utimes(util, tarballDate, tarballDate)
    const later = (): number => Date.now() + 10_000
    const first = new SourceFingerprints(new Map(), later)
    const before = first.of(uses)
    const memo = first.changedMemo()!

    await new Promise((resolve) => setTimeout(resolve, 20))
    await writeFile(util, 'export const a = 2')
    await utimes(util, tarballDate, tarballDate)
    expect((await stat(util)).mtimeMs).toBe(memo.get(util)![1])
    expect(new SourceFingerprints(new Map(memo), later).of(uses)).not.toBe(before)
  })

  test("a linked package's file changed a moment ago is not kept in the memo", async () => {
    const { uses } = await usesLinkedShared()
    const fingerprints = new SourceFingerprints()
    fingerprints.of(uses)
    expect(fingerprints.changedMemo()).toBeUndefined()
  })
})
