import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

// Log files that tasks append to, wherever they run: how a test counts attempts and
// sees which steps ran. One directory per test file, removed after its tests.
const dir = mkdtempSync(join(tmpdir(), 'taskgraph-fault-logs-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let next = 0

/** The path of a log file no task has written to yet. */
export function newLog(): string {
  return join(dir, `log-${next++}`)
}

/** The lines tasks wrote to `log`; none if no task wrote. */
export function lines(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(0, -1) : []
}
