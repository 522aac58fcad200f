// Resident memory of a process tree, read from /proc (Linux): a process and every
// descendant, so worker processes count as well as worker threads. Sampled from outside the
// measured process, which may be too busy to sample itself, and whose own samples could
// not see its children.
import { readdirSync, readFileSync } from 'node:fs'

/** `field` of /proc/`pid`/status in bytes (`VmRSS`, `VmHWM`); 0 once the process is gone. */
export function statusBytes(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number {
  let status: string
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1')
  } catch {
    return 0
  }
  const match = new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(status)
  return match === null ? 0 : Number(match[1]) * 1024
}

/**
 * `root` and its descendants, found by the parent each /proc/PID/stat names:
 * /proc/PID/task/TID/children exists only in kernels built with CONFIG_PROC_CHILDREN.
 */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    } catch {
      continue // exited while we looked
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read past the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ', 2)[1])
    const siblings = children.get(ppid)
    if (siblings === undefined) children.set(ppid, [pid])
    else siblings.push(pid)
  }
  const tree = [root]
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []))
  return tree
}

/** The summed VmRSS of `pids`, in bytes. */
export function rssOf(pids: readonly number[]): number {
  let total = 0
  for (const pid of pids) total += statusBytes(pid, 'VmRSS')
  return total
}

/** What a sampler saw. */
export interface TreePeak {
  /** The largest summed VmRSS of the tree over the samples. */
  readonly peakBytes: number
  readonly samples: number
  /** The longest time between two samples: a spike shorter than this may be missed. */
  readonly maxGapMs: number
}

/**
 * Samples the summed VmRSS of `root`'s tree every `intervalMs` until `stop()`. The tree is
 * listed again every `rescanEvery` samples: listing reads every /proc/PID/stat, reading the
 * tree's VmRSS only a few files, and workers start before the work they are measured on.
 */
export function sampleTreeRss(
  root: number,
  { intervalMs = 10, rescanEvery = 5 } = {},
): { stop: () => TreePeak } {
  let tree = processTree(root)
  let peakBytes = 0
  let samples = 0
  let maxGapMs = 0
  let last = performance.now()
  const sample = (): void => {
    if (samples % rescanEvery === 0) tree = processTree(root)
    peakBytes = Math.max(peakBytes, rssOf(tree))
    samples++
    const now = performance.now()
    maxGapMs = Math.max(maxGapMs, now - last)
    last = now
  }
  sample()
  const timer = setInterval(sample, intervalMs)
  return {
    stop: () => {
      clearInterval(timer)
      return { peakBytes, samples, maxGapMs }
    },
  }
}
