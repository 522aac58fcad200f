import { readFileSync, readdirSync } from 'node:fs'

/**
 * What the kernel says of a process: its resident memory and the CPU time it has used.
 * Read from /proc, so Linux only: elsewhere (macOS, Windows) Node offers no way to read
 * another process's memory without spawning `ps`, and `readProcess` returns `undefined`.
 */
export interface ProcessStats {
  /** Resident set size, in bytes. */
  readonly rss: number
  /** User and system CPU time, in milliseconds, since the process started. */
  readonly cpuMs: number
}

// /proc reports CPU time in USER_HZ ticks, which the kernel fixes at 100 for user space on
// every architecture Node runs on, whatever the kernel's own HZ.
const TICK_MS = 10

/** `pid`'s memory and CPU time, or `undefined` off Linux or once the process has gone. */
export function readProcess(pid: number): ProcessStats | undefined {
  try {
    // status rather than statm, whose sizes are in pages of a size Node cannot ask for.
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const rssKb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]
    if (rssKb === undefined) return undefined
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name, in parentheses, may hold spaces: fields are counted after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return { rss: Number(rssKb) * 1024, cpuMs: ticks * TICK_MS }
  } catch {
    return undefined
  }
}

/**
 * The pids of this process's children (a process pool's workers, among others): on Linux,
 * the kernel's list per thread of this process; elsewhere none.
 */
export function childPids(): number[] {
  const pids: number[] = []
  try {
    for (const thread of readdirSync('/proc/self/task')) {
      const text = readFileSync(`/proc/self/task/${thread}/children`, 'utf8').trim()
      if (text !== '') pids.push(...text.split(' ').map(Number))
    }
  } catch {
    // Not Linux, or a kernel built without the list: children are not sampled.
  }
  return pids
}
