import { MinHeap } from './min-heap.js'

/** A span of time on one thread, in whole nanoseconds. */
export interface Span {
  readonly start: number
  readonly end: number
}

/**
 * Lays spans of one thread out on lanes so that spans on a lane never overlap (they may
 * touch): a pool's worker runs one task at a time and needs one lane, while the event loop
 * of the main thread interleaves tasks and needs as many lanes as tasks were in flight at
 * once. Each span takes the lowest-numbered lane free at its start (interval
 * partitioning, which uses the fewest lanes possible). Returns each span's lane, from 0,
 * in the order of `spans`, and how many lanes there are.
 */
export function assignLanes(spans: readonly Span[]): { lanes: number[]; count: number } {
  const order = spans.map((_, i) => i)
  order.sort((a, b) => spans[a]!.start - spans[b]!.start || spans[a]!.end - spans[b]!.end)
  const lanes = new Array<number>(spans.length)
  const busy = new MinHeap<{ end: number; lane: number }>((a, b) => a.end < b.end)
  const free = new MinHeap<number>((a, b) => a < b)
  let count = 0
  for (const i of order) {
    const span = spans[i]!
    while (busy.size > 0 && busy.peek()!.end <= span.start) free.push(busy.pop()!.lane)
    const lane = free.pop() ?? count++
    lanes[i] = lane
    busy.push({ end: span.end, lane })
  }
  return { lanes, count }
}
