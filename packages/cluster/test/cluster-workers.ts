import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { endsWithTheTests } from './child-processes.js'

/** The built CLI, as users run it. */
export const CLI = fileURLToPath(new URL('../../../apps/cli/bin/taskgraph.js', import.meta.url))
/** The cluster package: the project root the test workers serve (fixtures are under it). */
export const PACKAGE = fileURLToPath(new URL('..', import.meta.url))

/** A `taskgraph worker` process started by a test. */
export interface WorkerProcess {
  readonly name: string
  readonly child: ChildProcess
  readonly pid: number
  /** What it wrote to stderr so far. */
  stderr(): string
  /** Resolves with its exit code (or signal) once it has exited. */
  readonly exited: Promise<number | NodeJS.Signals>
}

export interface WorkerOptions {
  readonly threads?: number
  readonly lease?: number
  readonly cwd?: string
  readonly args?: readonly string[]
  readonly env?: NodeJS.ProcessEnv
  /** The Node binary to run it with: this process's unless given. */
  readonly node?: string
}

/** Starts `taskgraph worker --cluster url` and resolves once it says it is ready. */
export async function startWorker(
  url: string,
  name: string,
  options: WorkerOptions = {},
): Promise<WorkerProcess> {
  const child = spawn(
    options.node ?? process.execPath,
    [
      CLI,
      'worker',
      '--cluster',
      url,
      '--name',
      name,
      '--threads',
      String(options.threads ?? 1),
      '--lease',
      String(options.lease ?? 1500),
      ...(options.args ?? []),
    ],
    {
      cwd: options.cwd ?? PACKAGE,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  endsWithTheTests(child)
  let text = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => (text += chunk))
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal!)),
  )
  const ready = new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (text.includes(': ready with')) resolve()
    }
    child.stderr.on('data', check)
    void exited.then((code) =>
      reject(new Error(`worker ${name} exited (${code}) before it was ready:\n${text}`)),
    )
  })
  await ready
  return { name, child, pid: child.pid!, stderr: () => text, exited }
}

/** Starts `count` workers named `<prefix>1`, `<prefix>2`, ... */
export function startWorkers(
  url: string,
  count: number,
  prefix = 'w',
  options: WorkerOptions = {},
): Promise<WorkerProcess[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => startWorker(url, `${prefix}${i + 1}`, options)),
  )
}

/** Stops workers: SIGTERM, then SIGKILL after a grace; resolves once all have exited. */
export async function stopWorkers(
  workers: readonly WorkerProcess[],
  graceMs = 5000,
): Promise<void> {
  await Promise.all(
    workers.map(async (worker) => {
      if (worker.child.exitCode !== null || worker.child.signalCode !== null) return
      worker.child.kill('SIGTERM')
      const timer = setTimeout(() => worker.child.kill('SIGKILL'), graceMs)
      await worker.exited
      clearTimeout(timer)
    }),
  )
}
