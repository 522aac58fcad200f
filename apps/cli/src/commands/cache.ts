import { resolve } from 'node:path'
import { TaskGraph } from '@taskgraph/core/internal'
import type { CacheEntry } from '@taskgraph/cache'
import type { Io } from '../io.js'
import { inWorkflow } from '../load-workflow.js'
import { readWorkflow } from '../read-workflow.js'
import { escapeControls } from '../terminal-text.js'
import { textColumns } from '../text-columns.js'

// `taskgraph cache ls|prune|clear|why`: look after a result cache (see `taskgraph run
// --cache`). @taskgraph/cache is loaded by these commands only.

/** `taskgraph cache ls`: the entries, least recently used first, a line each (or JSON). */
export async function cacheListCommand(
  directory: string,
  options: { json: boolean },
  io: Io,
): Promise<void> {
  const entries = await (await openCache(directory, io)).entries()
  if (options.json) {
    io.stdout.write(`${JSON.stringify(entries.map(publicEntry), null, 2)}\n`)
    return
  }
  if (entries.length === 0) {
    io.stdout.write(`${directory} holds no results\n`)
    return
  }
  const now = Date.now()
  const rows = [
    ['KEY', 'TASK', 'FUNCTION', 'SIZE', 'USED'],
    ...entries.map((entry) => [
      entry.key.slice(0, 12),
      entry.task,
      entry.name,
      bytes(entry.bytes),
      `${age(now - entry.usedAt)} ago`,
    ]),
  ]
  io.stdout.write(textColumns(rows))
  const total = entries.reduce((sum, entry) => sum + entry.bytes, 0)
  io.stdout.write(`${count(entries.length)}, ${bytes(total)}\n`)
}

/** `taskgraph cache prune`: evicts past the limits given, least recently used first. */
export async function cachePruneCommand(
  directory: string,
  limits: { maxSize?: number; maxAge?: number },
  io: Io,
): Promise<void> {
  const cache = await openCache(directory, io)
  const { removed, bytes: freed } = await cache.prune(limits)
  const left = await cache.entries()
  const kept = left.reduce((sum, entry) => sum + entry.bytes, 0)
  io.stdout.write(
    `removed ${count(removed)} (${bytes(freed)}); ${count(left.length)} left (${bytes(kept)})\n`,
  )
}

/** `taskgraph cache clear`: removes every entry. */
export async function cacheClearCommand(directory: string, io: Io): Promise<void> {
  const removed = await (await openCache(directory, io)).clear()
  io.stdout.write(`removed ${count(removed)} from ${directory}\n`)
}

/**
 * `taskgraph cache why <file> <key>`: whether that task of the workflow would be read
 * from the cache, and if not, what changed. Nothing is run.
 * @throws {UnknownTaskError} if the workflow has no task with that key
 */
export async function cacheWhyCommand(
  directory: string,
  file: string,
  key: string,
  io: Io,
): Promise<void> {
  const workflow = await readWorkflow(file, io, 'taskgraph cache why')
  let graph: TaskGraph
  try {
    graph = TaskGraph.collect('taskgraph cache why', [workflow.targets])
  } catch (error) {
    throw inWorkflow(workflow, error)
  }
  const lines = await (await openCache(directory, io)).explain(graph, key)
  io.stdout.write(`${lines.map(escapeControls).join('\n')}\n`)
}

async function openCache(directory: string, io: Io) {
  const { TaskCache } = await import('@taskgraph/cache')
  return new TaskCache(resolve(io.cwd, directory), {
    onWarning: (message) => io.stderr.write(`taskgraph: warning: ${escapeControls(message)}\n`),
  })
}

/** An entry as `ls --json` shows it: its recipe is the cache's own business. */
function publicEntry({ key, task, name, bytes, storedAt, usedAt }: CacheEntry) {
  return { key, task, name, bytes, storedAt, usedAt }
}

function count(n: number): string {
  return n === 1 ? '1 entry' : `${n} entries`
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`
  return `${(n / 1024 ** 3).toFixed(2)} GiB`
}

function age(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 120) return `${seconds}s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 120) return `${minutes}m`
  const hours = Math.round(minutes / 60)
  return hours < 48 ? `${hours}h` : `${Math.round(hours / 24)}d`
}
