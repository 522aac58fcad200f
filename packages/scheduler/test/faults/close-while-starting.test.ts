import { spawnSync } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { POOLS } from '../pools.js'

// A worker that gets ready, or ends its batch, after close() has killed it must still be
// held until it is gone. Were its handles let go then, the process could run out of
// things to wait for before the worker's exit is seen: close() would never resolve, and
// a program awaiting it at top level would end with Node's "unsettled top-level await"
// (exit 13). To get that order, the program below keeps its main thread busy while the
// workers start, so that their "ready" messages wait in the channel, then closes the
// pool before it reads them.
const PROGRAM = (executor: string): string => `
  import { ${executor} as Pool } from '@taskgraph/scheduler'
  const pool = new Pool({ workers: 2 })
  void pool.start()
  const until = Date.now() + 1500
  while (Date.now() < until) {}
  await pool.close()
  console.log('closed')
`

describe.each(POOLS)('%s executor closed while its workers report ready', (name) => {
  test('close() resolves, and the program ends normally', { timeout: 60_000 }, () => {
    const executor = name === 'threads' ? 'ThreadExecutor' : 'ProcessExecutor'
    const outcomes = Array.from({ length: 3 }, () => {
      const { status, stdout, stderr } = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', PROGRAM(executor)],
        { cwd: import.meta.dirname, encoding: 'utf8', timeout: 20_000 },
      )
      return { status, stdout, stderr }
    })
    expect(outcomes).toEqual(Array(3).fill({ status: 0, stdout: 'closed\n', stderr: '' }))
  })
})
