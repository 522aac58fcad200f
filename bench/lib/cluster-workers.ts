import { spawn, type ChildProcess } from 'node:child_process'
import { endsWithThisProcess } from './child-processes.ts'
import { CLI } from './processes.ts'

// `taskgraph worker` processes for the cluster measurements: one thread each, in the
// repository (`root`), as a user starts them: serving the modules given (paths from the
// root), whose tasks the measurement runs, or any module of the repository.

/** Starts `count` workers named `prefix-1`…; resolves once each has said it is ready. */
export function startWorkers(
  url: string,
  root: string,
  count = 2,
  prefix = 'bench',
  modules: readonly string[] = [],
): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => {
      const child = spawn(
        process.execPath,
        [
          CLI,
          'worker',
          '--cluster',
          url,
          '--threads',
          '1',
          '--name',
          `${prefix}-${i + 1}`,
          ...modules,
        ],
        { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
      )
      endsWithThisProcess(child)
      return new Promise<ChildProcess>((resolve, reject) => {
        let text = ''
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk
          if (text.includes(': ready with')) resolve(child)
        })
        child.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${text}`)))
      })
    }),
  )
}

/** Stops the workers as a service manager would (SIGTERM), once each has exited. */
export async function stopWorkers(workers: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise((resolve) => {
          // Its start's listener rejects a promise settled long ago: left as it is.
          worker.once('exit', resolve)
          worker.kill('SIGTERM')
        }),
    ),
  )
}
