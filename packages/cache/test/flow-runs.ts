import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach } from 'vitest'

// What the tests of workflows run with a cache share (task-cache*.test.ts): each run is
// a process of its own, as re-runs of a workflow are: the second finds what the first
// stored, in a directory both know only by name.

const RUN_FLOW = join(import.meta.dirname, 'fixtures', 'run-flow.ts')
const SCHEDULER = join(import.meta.dirname, '..', 'node_modules', '@taskgraph', 'scheduler')

export let project: string
export let cacheDir: string
export let log: string

/** Puts the cache of the test's runs elsewhere than `project/.cache`. */
export function setCacheDir(path: string): void {
  cacheDir = path
}

/** Gives each test of the calling file a project directory of its own, with FLOW in it. */
export function useProjects(): void {
  beforeEach(async () => {
    project = await mkdtemp(join(tmpdir(), 'taskgraph-cache-flow-'))
    cacheDir = join(project, '.cache')
    log = join(project, 'calls.log')
    // The flow imports taskgraph's scheduler and core as a project would.
    await mkdir(join(project, 'node_modules', '@taskgraph'), { recursive: true })
    const { realpath } = await import('node:fs/promises')
    await symlink(
      await realpath(SCHEDULER),
      join(project, 'node_modules', '@taskgraph', 'scheduler'),
    )
    const core = await realpath(join(SCHEDULER, 'node_modules', '@taskgraph', 'core'))
    await symlink(core, join(project, 'node_modules', '@taskgraph', 'core'))
    await write({ 'package.json': '{ "type": "module" }' })
    await write(FLOW)
  })
  afterEach(() => rm(project, { recursive: true, force: true }))
}

export async function write(tree: Record<string, string>): Promise<void> {
  for (const [path, source] of Object.entries(tree)) {
    await mkdir(dirname(join(project, path)), { recursive: true })
    await writeFile(join(project, path), source)
  }
}

/** Mounts a read-only tmpfs at `path`: `false` where this process may not mount one (not root). */
export function mountReadOnly(path: string): Promise<boolean> {
  const args = ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', path]
  return promisify(execFile)('mount', args).then(
    () => true,
    () => false,
  )
}

export interface Run {
  readonly result: unknown
  readonly warnings: string[]
  readonly summary: { done: number; cached: number; failed: number }
  /** The task calls the run made, as `name(arg)`, sorted. */
  readonly calls: string[]
}

/**
 * `store`: the TaskCache option (see `TaskCacheOptions.store`); `env`: environment
 * variables of the run's process besides this one's.
 */
export async function run(
  executor = 'inline',
  flow = 'flow.ts',
  store = 'worthwhile',
  env: Record<string, string> = {},
): Promise<Run> {
  await rm(log, { force: true })
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', RUN_FLOW, join(project, flow), cacheDir, executor, store],
    // A run that hangs fails its test, rather than outlive it: killed, since one blocked
    // in a read (a named pipe) outlives SIGTERM.
    { env: { ...process.env, ...env, TASK_LOG: log }, timeout: 50_000, killSignal: 'SIGKILL' },
  )
  const calls = (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).sort()
  return { ...(JSON.parse(stdout) as Omit<Run, 'calls'>), calls }
}

// load (impure: reads its input each run) → clean (cached) → count (cached), twice, and
// a summary of both (pure); clean's helper is two imports away.
export const FLOW = {
  'log-call.ts': `import { appendFileSync } from 'node:fs'
export function logCall(call: string): void {
  appendFileSync(process.env.TASK_LOG!, call + '\\n')
}`,
  'lib/words.ts': `export function words(text: string): string[] {
  return text.split(/\\s+/).filter(Boolean)
}`,
  'steps/clean.ts': `import { words } from '../lib/words.js'
import { logCall } from '../log-call.js'
export function clean(text: string): string[] {
  logCall('clean(' + text + ')')
  return words(text.toLowerCase())
}`,
  'steps/count.ts': `import { logCall } from '../log-call.js'
export function count(words: string[]): Map<string, number> {
  logCall('count(' + words.join(' ') + ')')
  const counts = new Map<string, number>()
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1)
  return counts
}`,
  'flow.ts': `import { delayed, gather } from '@taskgraph/core'
import { clean } from './steps/clean.js'
import { count } from './steps/count.js'
import { logCall } from './log-call.js'
const cleanTask = delayed(clean, { cache: true })
const countTask = delayed(count, { cache: true })
const both = delayed(function both(a: Map<string, number>, b: Map<string, number>) {
  logCall('both()')
  return { a: Object.fromEntries(a), b: Object.fromEntries(b) }
}, { pure: true })
export default both(countTask(cleanTask('The cat The')), countTask(cleanTask('a Dog')))
`,
}
