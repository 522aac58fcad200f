import { readFileSync, readdirSync } from 'node:fs'

// Which processes a process has started, read from Linux's /proc: tests of the pool
// executors check that no worker process outlives the CLI.

/** Whether this system has a /proc to read processes from. */
export const HAS_PROC = process.platform === 'linux'

interface ProcessStatus {
  /** One letter: `R` running, `S` sleeping, `Z` zombie (ended, not yet reaped), ... */
  readonly state: string
  readonly ppid: number
}

function statusOf(pid: number): ProcessStatus | undefined {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // "pid (command) state ppid ...": the command may hold spaces and parentheses.
  const [state = '', ppid = ''] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { state, ppid: Number(ppid) }
}

/** The live processes whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  const children: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const child = Number(entry)
    if (statusOf(child)?.ppid === pid && isAlive(child)) children.push(child)
  }
  return children
}

/** The live processes `pid` started, and those they started, and so on. */
export function descendantsOf(pid: number): number[] {
  const found: number[] = []
  for (let next = [pid]; next.length > 0;) {
    next = next.flatMap(childrenOf)
    found.push(...next)
  }
  return found
}

/** Whether `pid` is a process that has not ended (a zombie has ended: only its entry is left). */
export function isAlive(pid: number): boolean {
  const status = statusOf(pid)
  return status !== undefined && status.state !== 'Z' && status.state !== 'X'
}

/** One letter for the state of `pid` (`T` stopped, see `ProcessStatus`), or undefined once it is gone. */
export function stateOf(pid: number): string | undefined {
  return statusOf(pid)?.state
}

/**
 * Whether `check()` comes true within `ms`, polled every 20 ms: for what other processes
 * do soon after an event rather than at once (a signal's delivery, a watcher's poll).
 */
export async function comesTrue(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms
  while (!check()) {
    if (performance.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return true
}

/**
 * Every process `pid` started, and those they started, seen by looking every `everyMs`
 * until `ended` settles: for a run too short, or ending too suddenly, to be looked at
 * once at a known moment. Resolves with the pids seen, alive or not by then.
 */
export async function descendantsUntil(
  pid: number,
  ended: Promise<unknown>,
  everyMs = 25,
): Promise<number[]> {
  const seen = new Set<number>()
  let over = false
  const stop = (): void => {
    over = true
  }
  ended.then(stop, stop)
  while (!over) {
    for (const descendant of descendantsOf(pid)) seen.add(descendant)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
  return [...seen]
}

/** Kills `pid` and every process it started, at once. */
export function killTree(pid: number): void {
  for (const stray of [...descendantsOf(pid), pid]) {
    try {
      process.kill(stray, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

interface Started {
  readonly pid?: number | undefined
  readonly exitCode: number | null
  readonly signalCode: NodeJS.Signals | null
}

const started = new Set<Started>()

/**
 * Registers a started CLI to be killed, with its workers, by `killStrays` if it is
 * still running then: a test that fails or times out must not leave a spinning worker.
 */
export function killOnCleanup<T extends Started>(child: T): T {
  started.add(child)
  return child
}

/** Kills the registered CLIs still running, and their workers: `afterAll(killStrays)`. */
export function killStrays(): void {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      killTree(child.pid)
    }
  }
  started.clear()
}
