// The asyncio.gather part of the lesson: 50 I/O-bound tasks that each wait 100 ms (a
// stand-in for a network or disk call). The async executor overlaps them, so the run
// takes about 100 ms instead of 5 s; `--concurrency 10` lets 10 wait at a time (~500 ms).
//
//   npx taskgraph run examples/async-io.ts
//   npx taskgraph run examples/async-io.ts --concurrency 10
//   npx taskgraph run examples/async-io.ts --executor inline   # one at a time: ~5 s
import { delayed, gather } from 'taskgraph'

const WAITS = 50
const WAIT_MS = 100

/** An I/O-bound task: waits, then answers. */
export const fetchItem = delayed(async function fetchItem(id: number) {
  await new Promise((resolve) => setTimeout(resolve, WAIT_MS))
  return { id, fetchedAt: Date.now() }
})

const summarise = delayed(
  function summarise(items: { id: number; fetchedAt: number }[]) {
    const times = items.map((item) => item.fetchedAt)
    return {
      fetched: items.length,
      // Time between the first and the last answer: about 0 when all waits overlap.
      spreadMs: Math.max(...times) - Math.min(...times),
      sequentialMs: WAITS * WAIT_MS,
    }
  },
  { mainThread: true },
)

export default summarise(gather(Array.from({ length: WAITS }, (_, id) => fetchItem(id))))
