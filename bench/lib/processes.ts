import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { THIS_NODE, type NodeRuntime } from './node-runtimes.ts'
import { sampleTreeRss, type TreePeak } from './tree-rss.ts'

/** The bench folder, where the measurement scripts live. */
export const BENCH = fileURLToPath(new URL('..', import.meta.url))
/** The built `taskgraph` command. */
export const CLI = fileURLToPath(new URL('../../apps/cli/dist/bin.js', import.meta.url))

/** One measurement's JSON line, as measure.ts and bench/dask/*.py print it. */
export interface Measurement {
  readonly engine: 'taskgraph' | 'dask'
  readonly workload: string
  readonly executor: string
  readonly variant?: string
  readonly n: number
  readonly tasks: number | null
  readonly buildMs?: number
  readonly computeMs?: number
  /** The main thread's CPU time during the compute, where Linux tells it (measure.ts). */
  readonly computeThreadCpuMs?: number
  readonly wallMs: number
  readonly peakHeapBytes?: number
  readonly peakRssBytes: number
}

/**
 * Runs a command to its end; resolves with its stdout, rejects on a non-zero exit.
 * `onSpawn` sees the child as soon as it exists, to watch it from outside.
 */
export function run(
  command: string,
  args: readonly string[],
  cwd = BENCH,
  onSpawn?: (child: ChildProcess) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    onSpawn?.(child)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.once('error', reject)
    child.once('close', (code) => {
      if (code === 0) resolve(stdout)
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${stderr}`))
    })
  })
}

/**
 * One taskgraph measurement in a fresh process (measure.ts), on the Node running this
 * script or another (`on`).
 */
export async function measureTaskgraph(
  workload: string,
  executor: string,
  n: number,
  variant: 'cold' | 'warm' | 'recorded' | 'ten' | 'submit' = 'cold',
  on: NodeRuntime = THIS_NODE,
): Promise<Measurement> {
  const out = await run(on.path, [
    '--expose-gc',
    ...on.loaderArgs,
    'measure.ts',
    workload,
    executor,
    String(n),
    variant,
  ])
  return JSON.parse(out.trim().split('\n').at(-1)!) as Measurement
}

/** One run of a memory flow (measure-memory.ts), with what its process tree's sampler saw. */
export interface MemoryMeasurement extends TreePeak {
  readonly flow: string
  readonly executor: string
  /** The compute's wall time (a flow's run). */
  readonly wallMs?: number
  /** The measured process's own peak RSS, read by itself at the end (a flow's run). */
  readonly mainHwmBytes?: number
  /** The tree's RSS with the pool started and idle (an `idle` run). */
  readonly treeRssBytes?: number
}

/**
 * One run of a memory flow in a fresh process (measure-memory.ts), the RSS of its process
 * tree sampled from here every 10 ms while it runs.
 */
export async function measureMemory(flow: string, executor: string): Promise<MemoryMeasurement> {
  let sampler: { stop: () => TreePeak } | undefined
  let tree: TreePeak | undefined
  let out: string
  try {
    out = await run(
      process.execPath,
      ['--import', 'tsx', 'measure-memory.ts', flow, executor],
      BENCH,
      (child) => {
        if (child.pid !== undefined) sampler = sampleTreeRss(child.pid)
      },
    )
  } finally {
    tree = sampler?.stop()
  }
  if (tree === undefined)
    throw new Error(`measure-memory.ts ${flow} ${executor}: no process to sample`)
  return { ...(JSON.parse(out.trim().split('\n').at(-1)!) as MemoryMeasurement), ...tree }
}

/** Wall time of a whole process, in milliseconds. */
export async function timeProcess(
  command: string,
  args: readonly string[],
  cwd = BENCH,
): Promise<number> {
  const started = performance.now()
  await run(command, args, cwd)
  return performance.now() - started
}

/**
 * Milliseconds for `taskgraph run` of the one-task TypeScript workflow, start to exit, on
 * the Node running this script or another (`on`), on the CLI's default executor or another.
 */
export function coldStart(on: NodeRuntime = THIS_NODE, executor?: string): Promise<number> {
  const args = [CLI, 'run', 'workloads/one-task.ts']
  return timeProcess(on.path, executor === undefined ? args : [...args, '--executor', executor])
}
