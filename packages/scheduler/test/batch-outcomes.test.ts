import { gather } from '@taskgraph/core'
import { compute } from '@taskgraph/scheduler'
import { afterAll, describe, expect, test } from 'vitest'
import { after, endsItsWorkerOnce, waits } from './fixtures/batch-tasks.mjs'
import { lines, newLog } from './faults/logs.js'
import { makePool, POOLS } from './pools.js'

// A worker tells the outcomes of a batch's calls as they end once the batch has run
// 100 ms, rather than all with its slowest call's: async tasks that wait look cheap to
// the pool, which sends many in one batch.

/** How long the slow task of a batch waits: far longer than the rest take. */
const SLOW_MS = 3000

/** The lines of `log`, read as the tasks wrote them. */
function notes(log: string): { label: string; ended?: number; began?: number; attempt?: number }[] {
  return lines(log).map((line) => JSON.parse(line) as never)
}

describe.each(POOLS)('a batch of async calls on the %s executor', (name) => {
  const pool = makePool(name, { workers: 2, startTimeout: 5000 })
  afterAll(() => pool.close())

  /** Has the pool time the tasks, so that it sends them many to a batch from now on. */
  async function warmUp(): Promise<void> {
    const log = newLog()
    const calls = Array.from({ length: 8 }, (_, i) => [
      waits(log, `warm ${i}`, 0),
      endsItsWorkerOnce(log, `warm ${i}`, -1, false),
    ])
    await compute(gather(calls.flat()), { executor: pool })
  }

  test('a call that ended hands its result on while a slower call of its batch still waits', async () => {
    await warmUp()
    const log = newLog()
    const fast = Array.from({ length: 7 }, (_, i) => waits(log, `fast ${i}`, 10))
    const slow = waits(log, 'slow', SLOW_MS)
    // Eight calls at once over two workers: the first batch takes four, the slow one
    // among them. Each fast call is also an output, so that it is not fused with its
    // dependent (a chain of a function the pool has not timed goes alone).
    const tasks = [fast[0]!, slow, ...fast.slice(1)]
    const graph = gather([tasks, fast.map((task, i) => after(log, `after ${i}`, task))])
    const [result] = await compute(graph, { executor: pool })
    const labels = fast.map((_, i) => `fast ${i}`)
    expect(result).toEqual([[labels[0], 'slow', ...labels.slice(1)], labels])
    const written = notes(log)
    const slowEnded = written.find((line) => line.label === 'slow')!.ended!
    const began = written.filter((line) => line.began !== undefined)
    expect(began).toHaveLength(fast.length)
    // Each dependent began long before the slow call ended, those of the fast calls that
    // shared its batch too (with them, the whole batch waited for it).
    for (const line of began) expect(slowEnded - line.began!).toBeGreaterThan(SLOW_MS / 2)
  })

  test('a worker lost amid a batch runs again only the calls it had not told of', async () => {
    await warmUp()
    const log = newLog()
    const fast = Array.from({ length: 7 }, (_, i) => waits(log, `fast ${i}`, 10))
    // Ends its worker a second in, on its first attempt: a process by SIGKILL. In the
    // first batch, with three fast calls.
    const ender = endsItsWorkerOnce(log, 'ender', 1000, name === 'processes')
    const tasks = [fast[0]!, ender, ...fast.slice(1)]
    const [result] = await compute(gather(tasks), { executor: pool, retries: 1 })
    const labels = fast.map((_, i) => `fast ${i}`)
    expect(result).toEqual([labels[0], 'ender', ...labels.slice(1)])
    const counts = new Map<string, number>()
    for (const { label } of notes(log)) counts.set(label, (counts.get(label) ?? 0) + 1)
    // Each fast call ran once, those that shared the lost worker's batch too.
    for (let i = 0; i < fast.length; i++) expect(counts.get(`fast ${i}`)).toBe(1)
    expect(counts.get('ender')).toBe(2)
  })
})
