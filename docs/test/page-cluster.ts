import { spawn, type ChildProcess } from 'node:child_process'
import { createConnection, createServer } from 'node:net'

// A cluster for the pages whose blocks use one: a real redis-server, a database of it per
// page, and a `taskgraph worker` serving the page's folder, as a reader's machine would
// have them. A page's programs find it in TASKGRAPH_CLUSTER.

/** A redis-server on a free port of this machine, with nothing persisted. */
export interface RedisServer {
  readonly url: string
  stop(): Promise<void>
}

export async function startRedis(databases: number): Promise<RedisServer> {
  const port = await freePort()
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--databases', String(databases)],
      ...['--save', '', '--appendonly', 'no'],
    ],
    { stdio: 'ignore' },
  )
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new Error(`the docs' cluster pages need redis-server (${error.message})`)),
    )
  })
  await Promise.race([answers(port), failed])
  return { url: `redis://127.0.0.1:${port}`, stop: () => stop(child) }
}

/** Starts `taskgraph worker` in `folder`, its project root, and resolves once it is ready. */
export async function startWorker(cli: string, url: string, folder: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, 'worker', '--cluster', url, '--threads', '2'], {
    cwd: folder,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8')
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk
      if (stderr.includes(': ready with')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`taskgraph worker exited (${code}):\n${stderr}`)))
  })
  return child
}

/** Ends a process (SIGTERM; SIGKILL if it lingers) and resolves once it has exited. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}

/** Resolves once a Redis server on `port` answers PING (tried for ten seconds). */
async function answers(port: number): Promise<void> {
  for (let tries = 0; ; tries++) {
    const pong = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'))
      socket.setEncoding('utf8')
      socket.once('data', (data: string) => {
        socket.destroy()
        resolve(data.startsWith('+PONG'))
      })
      socket.once('error', () => resolve(false))
    })
    if (pong) return
    if (tries > 200) throw new Error(`redis-server on port ${port} did not answer`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
