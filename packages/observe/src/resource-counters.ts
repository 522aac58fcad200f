import type { CounterEvent, MetadataEvent } from './chrome-trace.js'
import type { ResourceSample } from './resource-profiler.js'
import { microseconds, nanosecondsSince } from './trace-time.js'

const MB = 1024 * 1024

/**
 * The samples of a `ResourceProfiler` as counter events of process `pid` of a trace whose
 * times start at `origin` (epoch ms): a memory (RSS) track and a CPU track, each with a
 * series for the program (`main`) and one per child process (`pid N`). A series of a
 * child that was not sampled yet, or any more, is left out at that time.
 */
export function resourceEvents(
  samples: readonly ResourceSample[],
  origin: number,
  pid: number,
): { metadata: MetadataEvent[]; counters: CounterEvent[] } {
  const metadata: MetadataEvent[] = [
    { ph: 'M', name: 'process_name', ts: 0, pid, tid: 0, args: { name: 'resources (sampled)' } },
    { ph: 'M', name: 'process_sort_index', ts: 0, pid, tid: 0, args: { sort_index: pid } },
  ]
  const counters: CounterEvent[] = []
  for (const sample of samples) {
    if (!Number.isFinite(sample.time) || sample.time < origin) continue
    const ts = microseconds(nanosecondsSince(origin, sample.time))
    const memory: Record<string, number> = { main: megabytes(sample.main.rss) }
    const cpu: Record<string, number> = { main: sample.main.cpu }
    for (const child of sample.children) {
      memory[`pid ${child.pid}`] = megabytes(child.rss)
      cpu[`pid ${child.pid}`] = child.cpu
    }
    counters.push(
      { ph: 'C', name: 'memory (MB)', ts, pid, tid: 0, args: memory },
      { ph: 'C', name: 'CPU (% of a core)', ts, pid, tid: 0, args: cpu },
    )
  }
  return { metadata, counters }
}

function megabytes(bytes: number): number {
  return Math.round((bytes / MB) * 10) / 10
}
