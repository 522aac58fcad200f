import { spawnSync } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { POOLS } from './pools.js'

// A program started with `node --import tsx` loads TypeScript wherever it imports it. Its
// pool's workers do not inherit that (worker processes are started without the flag, so
// that they load taskgraph before tsx's hooks), yet a JavaScript task module of the
// program that imports TypeScript must load in them too, and not fall back to running
// its tasks on the main thread.
const TASKS = new URL('fixtures/imports-typescript.mjs', import.meta.url).href

describe.each(POOLS)('a JavaScript task module importing TypeScript, on %s', (name) => {
  test('runs in a worker of a program started with --import tsx', () => {
    const script = `
      import { compute } from '@taskgraph/scheduler'
      import { doubledWhere } from ${JSON.stringify(TASKS)}
      const [ran] = await compute(doubledWhere(21), { executor: '${name}', workers: 1 })
      console.log(JSON.stringify({ ...ran, main: process.pid }))
    `
    const { status, stdout, stderr } = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: import.meta.dirname, encoding: 'utf8', timeout: 30_000 },
    )
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' })
    const ran = JSON.parse(stdout) as { value: number; pid: number; threadId: number; main: number }
    expect(ran.value).toBe(42)
    if (name === 'processes') expect(ran.pid).not.toBe(ran.main)
    else expect(ran.threadId).not.toBe(0)
  })
})

// Where Node strips types (22.18+, 24), a worker loads a TypeScript task module without
// tsx, and falls back to tsx for one that stripping cannot run (an enum), as the main
// thread does; elsewhere both load with tsx. The main thread imports the modules as
// taskgraph's CLI imports a workflow (importTypeScript), here on the Node running the suite.
const stripsTypes = typeof (process.features as { typescript?: unknown }).typescript === 'string'
const MODULES = {
  strippable: new URL('fixtures/typed-tasks.ts', import.meta.url).href,
  'with an enum': new URL('fixtures/enum-tasks.ts', import.meta.url).href,
}

describe.each(POOLS)('a TypeScript task module on %s', (name) => {
  test.each(Object.entries(MODULES))('%s: loads in a worker', (kind, url) => {
    const script = `
      import { compute } from '@taskgraph/scheduler'
      import { importTypeScript } from '@taskgraph/scheduler/internal'
      const { module, loader } = await importTypeScript(${JSON.stringify(url)})
      const task = module.squareWhere ?? module.stepWhere
      const [ran] = await compute(task(3), { executor: '${name}', workers: 1 })
      console.log(JSON.stringify({ ...ran, loader, main: process.pid }))
    `
    const { status, stdout, stderr } = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: import.meta.dirname, encoding: 'utf8', timeout: 30_000 },
    )
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' })
    const ran = JSON.parse(stdout) as {
      value: number
      pid: number
      threadId: number
      tsx: boolean
      loader: string
      main: number
    }
    const native = stripsTypes && kind === 'strippable'
    expect({ value: ran.value, loader: ran.loader, tsx: ran.tsx }).toEqual({
      value: kind === 'strippable' ? 9 : 5,
      loader: native ? 'node' : 'tsx',
      tsx: !native,
    })
    if (name === 'processes') expect(ran.pid).not.toBe(ran.main)
    else expect(ran.threadId).not.toBe(0)
  })
})

// A module whose code ran, then imported one stripping cannot run, is not imported again
// with tsx; its error says how to load it with tsx. Node keeps a failed import's error
// and throws the same one each time the module is imported again: said once, not once
// per import.
describe.skipIf(!stripsTypes)('a module stripping cannot run, imported by code that ran', () => {
  test('fails each import with one hint to load it with tsx', () => {
    const url = new URL('fixtures/import-after-code.ts', import.meta.url).href
    const script = `
      import { importTypeScript } from '@taskgraph/scheduler/internal'
      const messages = []
      for (let i = 0; i < 3; i++) {
        await importTypeScript(${JSON.stringify(url)}).catch((error) => messages.push(error.message))
      }
      console.log(JSON.stringify({ messages, ran: globalThis.codeRan }))
    `
    const { status, stdout, stderr } = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: import.meta.dirname, encoding: 'utf8', timeout: 30_000 },
    )
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' })
    const { messages, ran } = JSON.parse(stdout) as { messages: string[]; ran: number }
    expect(ran).toBe(1)
    expect(messages).toHaveLength(3)
    for (const message of messages) {
      expect(message).toContain('TypeScript enum is not supported in strip-only mode')
      expect(message.split('TASKGRAPH_TYPESCRIPT=tsx')).toHaveLength(2)
    }
  })
})
