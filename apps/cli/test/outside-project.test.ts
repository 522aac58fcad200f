import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

afterEach(cleanUp)

const FLOW_TS = `import { delayed, gather } from 'taskgraph'
import { shout } from './shout.ts'

const inc = delayed((x: number): number => x + 1, { name: 'inc' })
export default gather({ a: inc(1), b: inc(2), word: delayed(shout)('outside') })
`
const SHOUT_TS = `export const shout = (word: string): string => word.toUpperCase()
`
const FLOW_MJS = `import { delayed, gather } from 'taskgraph'
import { compute } from '@taskgraph/scheduler'

const inc = delayed((x) => x + 1, { name: 'inc' })
export default gather({ a: inc(1), b: inc(2), word: delayed(async () => typeof compute)() })
`

const STEPS_TS = `import { threadId } from 'node:worker_threads'
import { delayed } from 'taskgraph'

export const square = delayed(
  function square(x: number) {
    return { value: x * x, threadId }
  },
  { cache: true },
)
`
const STEPS_FLOW_TS = `import { gather } from 'taskgraph'
import { square } from './steps.ts'

export default gather([square(2), square(3)])
`

const CJS_STEPS_TS = `const { threadId } = require('node:worker_threads')
const { delayed } = require('taskgraph')

const cube = delayed(
  function cube(x: number) {
    return { value: x * x * x, threadId }
  },
  { cache: true },
)
module.exports = { cube }
`
const CJS_STEPS_FLOW_TS = `import { gather } from 'taskgraph'
import { cube } from './cjs-steps.ts'

export default gather([cube(2), cube(3)])
`

/**
 * Runs `flow.ts` in `dir` (two tasks and their gather) on one worker thread with a cache,
 * twice: the first run's tasks give `values` from a worker thread, the second reads them.
 */
async function expectRunInWorkersAndCached(dir: string, values: number[]): Promise<void> {
  const args = ['run', 'flow.ts', '--executor', 'threads', '--workers', '1', '--json']
  const first = await runCli([...args, '--cache', 'cache'], { cwd: dir })
  expect(first).toMatchObject({
    code: 0,
    stderr: 'taskgraph: 0 tasks from the cache (cache), 3 run\n',
  })
  const results = JSON.parse(first.stdout) as { value: number; threadId: number }[]
  expect(results.map(({ value }) => value)).toEqual(values)
  for (const { threadId } of results) expect(threadId).not.toBe(0)
  const second = await runCli([...args, '--cache', 'cache'], { cwd: dir })
  expect(second).toMatchObject({
    code: 0,
    stderr: 'taskgraph: 2 tasks from the cache (cache), 1 run\n',
  })
  expect(JSON.parse(second.stdout)).toEqual(results)
}

// The workflow imports 'taskgraph' from a directory under os.tmpdir() where it is not
// installed: the import falls back to the copy running the command.
describe('a workflow outside any project', () => {
  it('runs a .ts workflow (with a local .ts import)', async () => {
    const dir = await makeTempDir()
    await writeFile(join(dir, 'flow.ts'), FLOW_TS)
    await writeFile(join(dir, 'shout.ts'), SHOUT_TS)
    const result = await runCli(['run', 'flow.ts', '--json'], { cwd: dir })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toEqual({ a: 2, b: 3, word: 'OUTSIDE' })
  })

  it('runs a .mjs workflow importing @taskgraph/scheduler too', async () => {
    const dir = await makeTempDir()
    await writeFile(join(dir, 'flow.mjs'), FLOW_MJS)
    const result = await runCli(['run', 'flow.mjs', '--json'], { cwd: dir })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toEqual({ a: 2, b: 3, word: 'function' })
  })

  it('runs a .ts workflow in a "type": "commonjs" package, as `npm init` makes', async () => {
    const dir = await makeTempDir()
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'flows', type: 'commonjs' }))
    await writeFile(join(dir, 'flow.ts'), FLOW_TS)
    await writeFile(join(dir, 'shout.ts'), SHOUT_TS)
    const result = await runCli(['run', 'flow.ts', '--json'], { cwd: dir })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toEqual({ a: 2, b: 3, word: 'OUTSIDE' })
  })

  it('runs the tasks of a helper module of a "type": "commonjs" package in workers, and caches them', async () => {
    // A TypeScript module that imports and exports loads as an ES module on every Node,
    // in a "type": "commonjs" package too: its import of 'taskgraph' finds the CLI's copy.
    const dir = await makeTempDir()
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'flows', type: 'commonjs' }))
    await writeFile(join(dir, 'flow.ts'), STEPS_FLOW_TS)
    await writeFile(join(dir, 'steps.ts'), STEPS_TS)
    await expectRunInWorkersAndCached(dir, [4, 9])
  })

  it('runs the tasks of a helper module written as CommonJS, which requires taskgraph, in workers', async () => {
    // Its `require('taskgraph')` falls back to the copy running the command, as an import does.
    const dir = await makeTempDir()
    await writeFile(join(dir, 'flow.ts'), CJS_STEPS_FLOW_TS)
    await writeFile(join(dir, 'cjs-steps.ts'), CJS_STEPS_TS)
    await expectRunInWorkersAndCached(dir, [8, 27])
  })

  // Its own pools' workers import it as the run's do: their import of 'taskgraph' finds
  // the copy running the command too, and the tasks do not fall back to the main thread.
  it('runs in workers the tasks of pools it makes itself: a compute in a task, parallelMap', async () => {
    const dir = await makeTempDir()
    await writeFile(
      join(dir, 'flow.ts'),
      `import { threadId } from 'node:worker_threads'
import { compute, delayed, gather, parallelMap, registerTaskModule } from 'taskgraph'

export function square(x: number) {
  return process.pid
}
registerTaskModule(import.meta.url)
export const leaf = delayed(function leaf(x: number) {
  return threadId
})
const inner = delayed(async function inner(n: number) {
  const [threads] = await compute(gather([leaf(n), leaf(n + 1)]), { executor: 'threads', workers: 1 })
  const mapped = await parallelMap(square, [1, 2], { executor: 'processes', workers: 1 })
  return { threads, pids: mapped, own: process.pid }
})
export default inner(1)
`,
    )
    for (const executor of ['async', 'threads']) {
      const result = await runCli(['run', 'flow.ts', '--executor', executor, '--json'], {
        cwd: dir,
      })
      expect(result).toMatchObject({ code: 0, stderr: '' })
      const { threads, pids, own } = JSON.parse(result.stdout) as {
        threads: number[]
        pids: number[]
        own: number
      }
      expect(threads).toHaveLength(2)
      for (const id of threads) expect(id).not.toBe(0)
      for (const pid of pids) expect(pid).not.toBe(own)
    }
  })

  it('can be drawn', async () => {
    const dir = await makeTempDir()
    await writeFile(join(dir, 'flow.ts'), FLOW_TS)
    await writeFile(join(dir, 'shout.ts'), SHOUT_TS)
    const result = await runCli(['visualize', 'flow.ts'], { cwd: dir })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatch(/^digraph taskgraph \{\n/)
    expect(result.stdout).toContain('[label="shout", shape=ellipse]')
  })
})

// Installed as a package's dependency is, by a link to the copy running the command.
const CLI_PACKAGE = fileURLToPath(new URL('..', import.meta.url))

/** A directory of a "type": "commonjs" package with taskgraph installed (linked). */
async function commonJsPackage(): Promise<string> {
  const dir = await makeTempDir()
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'flows', type: 'commonjs' }))
  await mkdir(join(dir, 'node_modules'))
  await symlink(CLI_PACKAGE, join(dir, 'node_modules', 'taskgraph'))
  await writeFile(join(dir, 'flow.ts'), CJS_STEPS_FLOW_TS)
  return dir
}

describe('a workflow of a "type": "commonjs" package with taskgraph installed', () => {
  it('runs the tasks of a helper module written as CommonJS in workers, and caches them', async () => {
    // On Node 20 tsx runs such a module from a `data:` URL: its task functions are still
    // found by their file, in the workers and by the cache.
    const dir = await commonJsPackage()
    await writeFile(join(dir, 'cjs-steps.ts'), CJS_STEPS_TS)
    await expectRunInWorkersAndCached(dir, [8, 27])
  })

  it.each(['threads', 'processes'])(
    'a helper written as CommonJS that throws as it loads: a WorkflowError, exit 3, on %s',
    async (executor) => {
      // On Node 20 Node's loader also rejects a promise of its own with the error, a moment
      // later, which nothing handles: it must not end the run with Node's raw report.
      const dir = await commonJsPackage()
      await writeFile(
        join(dir, 'cjs-steps.ts'),
        `const { delayed } = require('taskgraph')\nthrow new Error('steps broke')\nmodule.exports = { cube: delayed((x: number) => x ** 3) }\n`,
      )
      const result = await runCli(['run', 'flow.ts', '--executor', executor], { cwd: dir })
      expect(result).toMatchObject({ code: 3, stdout: '' })
      // With where it threw when Node loads the file as it is (Node 22 and 24); not on
      // Node 20, where tsx runs code made from it, whose lines are not the file's.
      expect(result.stderr).toMatch(
        /^taskgraph: error: WorkflowError: could not load workflow flow\.ts: Error: steps broke( \(at \/.*\/cjs-steps\.ts:2:7\))?\n$/,
      )
    },
  )
})
