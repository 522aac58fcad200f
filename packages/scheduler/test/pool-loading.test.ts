import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { gather } from '@taskgraph/core'
import { CancelledError, compute, ExecutorClosedError } from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import { logged, nestedNodeOptions, where } from './fixtures/pool-tasks.mjs'
import { lines, newLog } from './faults/logs.js'
import { rejection } from './helpers.js'
import { makePool, POOLS } from './pools.js'

// A pool executor's engine (pool/pool-engine.ts and what it imports) is loaded when the
// pool is first used, not when the scheduler is: these check both halves of that, and
// what a pool is asked before its engine is there.

const run = promisify(execFile)

// Module hooks run on a thread of their own (`module.register`): each module loaded is
// posted back, and read at each stage with receiveMessageOnPort.
const HOOKS = `
let port
export function initialize(data) { port = data.port }
export async function load(url, context, next) {
  port.postMessage(url)
  return next(url, context)
}
`

/** Which modules of the scheduler's dist/ a fresh process loads at each stage. */
const STAGES = `
import { register } from 'node:module'
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads'
const { port1, port2 } = new MessageChannel()
port1.unref()
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), {
  data: { port: port2 },
  transferList: [port2],
})
const loaded = []
const seen = () => {
  for (let m; (m = receiveMessageOnPort(port1)); ) {
    const at = m.message.indexOf('/scheduler/dist/')
    if (at !== -1) loaded.push(m.message.slice(at + '/scheduler/dist/'.length))
  }
  return loaded.slice()
}
const { compute, ThreadExecutor } = await import('@taskgraph/scheduler')
const { where } = await import('./test/fixtures/pool-tasks.mjs')
const stages = { imported: seen() }
const pool = new ThreadExecutor({ workers: 1 })
stages.made = seen()
await compute(where('a'), { executor: pool })
stages.ran = seen()
await pool.close()
console.log(JSON.stringify(stages))
`

describe('a pool executor loads its engine when first used', () => {
  test('importing the scheduler and making a pool load none of it; the first run does', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', STAGES], {
      cwd: new URL('..', import.meta.url),
    })
    const stages = JSON.parse(stdout) as Record<'imported' | 'made' | 'ran', string[]>
    const engine = ['pool/pool-engine.js', 'pool/worker-pool.js', 'pool/batching.js']
    expect(stages.imported).toContain('index.js')
    for (const module of engine) {
      expect(stages.imported).not.toContain(module)
      expect(stages.made).not.toContain(module)
      expect(stages.ran).toContain(module)
    }
  })
})

describe.each(POOLS)('a %s pool before its engine is loaded', (name) => {
  test('closed at once, it rejects a run with ExecutorClosedError', async () => {
    const pool = makePool(name, { workers: 1 })
    await pool.close()
    expect(await rejection(compute(where('a'), { executor: pool }))).toBeInstanceOf(
      ExecutorClosedError,
    )
  })

  test('closed while its engine loads, the run waiting for it is rejected, not run', async () => {
    const pool = makePool(name, { workers: 1 })
    const log = newLog()
    const running = compute(logged(log, 'ran'), { executor: pool })
    await pool.close()
    expect(await rejection(running)).toBeInstanceOf(ExecutorClosedError)
    expect(lines(log)).toEqual([])
  })

  test('a run cancelled while its engine loads sends no task; the next run computes', async () => {
    const pool = makePool(name, { workers: 1 })
    try {
      const log = newLog()
      const controller = new AbortController()
      const cancelled = compute(gather([logged(log, 'a'), logged(log, 'b')]), {
        executor: pool,
        signal: controller.signal,
      })
      controller.abort()
      expect(await rejection(cancelled)).toBeInstanceOf(CancelledError)
      expect(await compute(logged(log, 'c'), { executor: pool })).toEqual(['c'])
      expect(lines(log)).toEqual(['c'])
    } finally {
      await pool.close()
    }
  })
})

describe('a process pool started inside a process pool’s worker', () => {
  test('starts its workers with the Node options of their parent, and --expose-gc once', async () => {
    const pool = makePool('processes', { workers: 1 })
    try {
      const [options] = await compute(nestedNodeOptions(), { executor: pool })
      expect(options.filter((option) => option === '--expose-gc')).toHaveLength(1)
    } finally {
      await pool.close()
    }
  })
})
