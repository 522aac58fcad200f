import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
import { endsWithTheTests } from './child-processes.js'

/** A real redis-server for a test file, on a free port, with nothing persisted. */
export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Every key in it (what `redis-cli --scan` lists). */
  keys(): Promise<string[]>
  /**
   * Stops it (SIGKILL: as a crash would) and starts it again, empty, on the same port;
   * with `settings` instead of those it had, if given (`['--requirepass', 'secret']`).
   */
  restart(settings?: readonly string[]): Promise<void>
  /** Stops it; `start` again to bring it back. */
  stop(): Promise<void>
  /** Sends it `signal`: SIGSTOP has it keep its connections open and answer nothing. */
  signal(signal: NodeJS.Signals): void
  start(): Promise<void>
}

/** A TCP port nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** Whether `redis-server` is installed (CI installs it; see .ci/run). */
export function haveRedis(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0
}

/** Starts one; `settings` are more of redis-server's options (`['--maxmemory', '1']`). */
export async function startRedis(settings: readonly string[] = []): Promise<RedisServer> {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess | undefined
  let current = settings
  const start = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        ...current,
      ],
      { stdio: 'ignore' },
    )
    endsWithTheTests(child)
    for (let i = 0; ; i++) {
      // Without a ready check, which a Redis that requires a password fails: its NOAUTH
      // answer to PING says it is up as well. A client each try: one that connected to
      // a Redis still loading its data (LOADING) cannot connect again.
      const client = new Redis(url, {
        lazyConnect: true,
        enableReadyCheck: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      })
      client.on('error', () => {})
      try {
        await client.connect()
        await client.ping().catch((error: unknown) => {
          if (!String(error).includes('NOAUTH')) throw error
        })
        break
      } catch (error) {
        if (i > 100) throw error
        await new Promise((resolve) => setTimeout(resolve, 50))
      } finally {
        client.disconnect()
      }
    }
  }
  const stop = async (): Promise<void> => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGKILL')
    await exited
  }
  await start()
  return {
    port,
    url,
    async keys() {
      const client = new Redis(url)
      try {
        const found: string[] = []
        let cursor = '0'
        do {
          const [next, keys] = await client.scan(cursor, 'COUNT', 1000)
          cursor = next
          found.push(...keys)
        } while (cursor !== '0')
        return found.sort()
      } finally {
        client.disconnect()
      }
    },
    async restart(settings) {
      await stop()
      current = settings ?? current
      await start()
    },
    stop,
    start,
    signal(signal) {
      child?.kill(signal)
    },
  }
}
