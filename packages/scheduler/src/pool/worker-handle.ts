import { spawn } from 'node:child_process'
import type { Socket } from 'node:net'
import type { Readable, Writable } from 'node:stream'
import {
  MessageChannel,
  receiveMessageOnPort,
  Worker,
  type MessagePort,
  type WorkerOptions,
} from 'node:worker_threads'
import { PROCESS_ENTRY, THREAD_ENTRY } from '../package-files.js'
import { errorText } from '@taskgraph/core/internal'
import { FrameReader, writeFrame } from '../wire/frames.js'
import { POOL_PORT, UNREADABLE, type FromWorker, type ToWorker } from '../wire/messages.js'

/** One worker of a pool, a thread or a child process, as the pool drives it. */
export interface WorkerHandle {
  /** `'worker thread'` or `'worker process'`, for messages. */
  readonly what: string
  /** The worker's process and thread (`worker_threads.threadId`: 0 for a process's own). */
  readonly pid: number
  readonly threadId: number
  /** Sends `message`, moving `transfer` where it can; throws if `message` cannot be copied. */
  send(message: ToWorker, transfer: readonly ArrayBuffer[]): void
  onMessage(handler: (message: FromWorker) => void): void
  /**
   * Called once when the worker is gone, with how it ended (`exited with code 1`, ...);
   * `unread`: it ended because a message could not be read, see `Unread`; `signal`: the
   * signal that killed a worker process, if one did.
   */
  onExit(handler: (how: string, unread: Unread, signal?: string) => void): void
  /** Ends the worker at once, whatever it is doing. */
  kill(): void
  /** Asks an idle worker to end once its output is out (see `CloseMessage`). */
  retire(): void
  /** Whether the worker keeps this process alive: only while it has work. */
  keepAlive(yes: boolean): void
}

/**
 * Why a worker ended over a message: `'call'`, it could not read one it was sent (a
 * batch it had not begun); `'reply'`, this process could not read one it sent, for data
 * nested deeper than this process's stack lets V8 read back (a worker's may be larger).
 */
export type Unread = 'call' | 'reply' | undefined

/** Which `Unread` a message this process could not read, for `error`, stands for. */
function unreadReply(error: unknown): Unread {
  // Out of stack, not out of memory (also a RangeError) nor bytes that are no message.
  return error instanceof RangeError && error.message.includes('call stack') ? 'reply' : undefined
}

/**
 * Starts a worker thread running taskgraph's worker entry. What it writes to stdout goes
 * to this process's stdout, or its stderr.
 */
export function startThread(stdout: 'stdout' | 'stderr'): WorkerHandle {
  // The pool and the thread talk over a channel of their own, not the thread's
  // `parentPort`: a task that posts there is heard as what it is, not read as the pool's
  // messages (a `null` crashed this process; a forged `done` would have settled a batch).
  const { port1: port, port2 } = new MessageChannel()
  const worker = newWorker(THREAD_ENTRY, {
    stdout: stdout === 'stderr',
    workerData: { [POOL_PORT]: port2 },
    transferList: [port2],
  })
  if (stdout === 'stderr') worker.stdout.pipe(process.stderr, { end: false })
  dropOnceUnpiped(worker)
  let crash: unknown
  let unread: Unread
  // An error the thread did not catch ends it; 'exit' follows, and reports it.
  worker.on('error', (error) => {
    crash ??= error
    if (crash === error && error instanceof Error && error.message.startsWith(UNREADABLE)) {
      unread = 'call'
    }
  })
  // A message this thread cannot read back (data V8 writes but cannot read) is lost, and
  // what waited for it would wait for ever: the worker is ended, and counts as lost.
  port.on('messageerror', (error) => {
    if (crash === undefined) {
      crash = new Error(`it sent a message that could not be read (${errorText(error)})`)
      unread = unreadReply(error)
    }
    void worker.terminate()
  })
  // Only a task's own code posts on the thread's parentPort: told once, and left unread.
  worker.on('message', warnOfParentPort)
  worker.on('messageerror', warnOfParentPort)
  let onMessage: ((message: FromWorker) => void) | undefined
  return {
    what: 'worker thread',
    pid: process.pid,
    threadId: worker.threadId,
    send: (message, transfer) => port.postMessage(message, transfer as ArrayBuffer[]),
    onMessage: (handler) => {
      onMessage = handler
      port.on('message', handler)
    },
    onExit: (handler) =>
      worker.once('exit', (code) => {
        if (onMessage !== undefined) drain(port, onMessage)
        port.close()
        handler(
          crash === undefined ? `exited with code ${code}` : `crashed: ${errorText(crash)}`,
          unread,
        )
      }),
    kill: () => void worker.terminate(),
    retire: () => port.postMessage({ type: 'close' }),
    // The port, listened to, would keep this process alive as the thread would.
    keepAlive: (yes) => {
      if (yes) {
        worker.ref()
        port.ref()
      } else {
        worker.unref()
        port.unref()
      }
    },
  }
}

/**
 * Hands `handler` what the thread posted on `port` before it ended that has not been
 * read yet. 'exit' may come before them (a task calling process.exit() right after its
 * batch was told begun): closed unread, the port dropped them, and the batch the thread
 * died running read as one it had not begun, lost through no fault of its own and run
 * again uncharged, once more than its retries allow. Node reads a worker's own ports so.
 */
function drain(port: MessagePort, handler: (message: FromWorker) => void): void {
  for (;;) {
    let received: { message: unknown } | undefined
    try {
      received = receiveMessageOnPort(port)
    } catch {
      // A message that cannot be read: what came after it is not read either.
      return
    }
    if (received === undefined) return
    handler(received.message as FromWorker)
  }
}

/** The output streams of this process's threads (see `dropOnceUnpiped`). */
const threadOutputs = new WeakSet<Readable>()
const watchedOutputs = new WeakSet<Writable>()

/**
 * Drops what `worker` writes to its stdout and stderr once this process's stream it goes
 * to is unpiped from it: that stream failed (a full disk, `EIO` on a terminal gone), and
 * the thread's writes, unread, would wait for ever, and the task that made them with
 * them (its outcome waits for its output, see serve.ts). A process's write to a failed
 * stream is dropped alike; the program hears of the failure on that stream.
 */
function dropOnceUnpiped(worker: Worker): void {
  threadOutputs.add(worker.stdout)
  threadOutputs.add(worker.stderr)
  for (const stream of [process.stdout, process.stderr]) {
    if (watchedOutputs.has(stream)) continue
    watchedOutputs.add(stream)
    // Also heard when a thread ends: its stream has ended, and reading it does nothing.
    stream.on('unpipe', (source: Readable) => {
      if (threadOutputs.has(source)) source.resume()
    })
  }
}

let warnedOfParentPort = false

/** Tells, once per process, that what a task posts on its thread's parentPort goes unread. */
function warnOfParentPort(): void {
  if (warnedOfParentPort) return
  warnedOfParentPort = true
  process.emitWarning(
    `a task posted a message on its worker thread's parentPort, which taskgraph does not read (it talks to its threads on a channel of its own): a task hands on its result by returning it.`,
    { code: 'TASKGRAPH_PARENT_PORT' },
  )
}

/**
 * Starts a child process running taskgraph's worker entry, with this process's
 * environment and working directory, and its stderr, and its stdout or its stderr for a
 * stdout. Messages go over a socket on the child's fd 3 (frames.ts).
 */
export function startProcess(stdout: 'stdout' | 'stderr'): WorkerHandle {
  // --expose-gc: the worker collects its garbage after passing much data (process-worker.ts);
  // once, where this process (itself a worker of a pool) has it already.
  const execArgv = withoutTsx(workerExecArgv())
  if (!execArgv.includes('--expose-gc')) execArgv.push('--expose-gc')
  const child = spawn(process.execPath, [...execArgv, PROCESS_ENTRY], {
    stdio: ['ignore', stdout === 'stderr' ? 2 : 'inherit', 'inherit', 'pipe'],
    env: workerEnv(),
  })
  const socket = child.stdio[3] as Socket
  let handler: ((message: FromWorker) => void) | undefined
  let unreadable: unknown
  /** What the worker could not read, by its own account, before it ended. */
  let couldNotRead: string | undefined
  const reader = new FrameReader(
    (message) => {
      const received = message as FromWorker
      if (received.type === 'unreadable') couldNotRead = received.detail
      else handler?.(received)
    },
    // Bytes that are not a frame (a task wrote to fd 3): the worker is lost, not this process.
    (error) => {
      unreadable = error
      child.kill('SIGKILL')
    },
  )
  socket.on('data', (chunk: Buffer) => reader.push(chunk))
  // The child's end closes when it exits; 'exit' reports that.
  socket.on('error', () => {})
  let spawnError: unknown
  child.on('error', (error) => (spawnError ??= error))
  return {
    what: 'worker process',
    // A process that could not start has none: its calls never begin.
    pid: child.pid ?? 0,
    threadId: 0,
    send: (message) => writeFrame(socket, message),
    onMessage: (next) => (handler = next),
    onExit: (next) => {
      const report = (code: number | null, signal: NodeJS.Signals | null): void =>
        next(
          spawnError !== undefined
            ? `could not start: ${errorText(spawnError)}`
            : unreadable !== undefined
              ? `sent a message that could not be read (${errorText(unreadable)})`
              : couldNotRead !== undefined
                ? `${UNREADABLE} (${couldNotRead})`
                : signal === 'SIGABRT'
                  ? 'was aborted (SIGABRT)'
                  : signal !== null
                    ? `was killed by ${signal}`
                    : `exited with code ${code}`,
          couldNotRead !== undefined ? 'call' : unreadReply(unreadable),
          signal ?? undefined,
        )
      // 'close', not 'exit': it comes once the socket has been read to its end, so every
      // message the worker sent before it ended has been handled.
      child.once('close', report)
      // A process that never started emits 'error' and no 'exit'.
      child.once('error', () => {
        if (child.pid === undefined) report(null, null)
      })
    },
    kill: () => void child.kill('SIGKILL'),
    // What a worker process prints is written at once: there is nothing to let through.
    retire: () => void child.kill('SIGKILL'),
    keepAlive: (yes) => {
      if (yes) {
        child.ref()
        socket.ref()
      } else {
        child.unref()
        socket.unref()
      }
    },
  }
}

/**
 * A worker thread. It takes this thread's Node options, unless one of them would make
 * it run something else (`node -e`, `--input-type`): then it takes the others, or those
 * a worker accepts (a thread cannot take process-wide ones such as `--expose-gc`).
 */
function newWorker(entry: URL, options: WorkerOptions): Worker {
  const own = process.execArgv
  const kept = workerExecArgv()
  if (kept.length === own.length) return new Worker(entry, options)
  const loaders = kept.filter(
    (arg, i) =>
      /^(--import|--require|-r|--loader|--experimental-loader)(=|$)/.test(arg) ||
      /^(--import|--require|-r|--loader|--experimental-loader)$/.test(kept[i - 1] ?? ''),
  )
  for (const execArgv of [kept, loaders]) {
    try {
      return new Worker(entry, { ...options, execArgv })
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error
    }
  }
  return new Worker(entry, { ...options, execArgv: [] })
}

/**
 * This process's environment, and glibc told to give freed memory back to the system
 * promptly (unless the user set it): a worker passes large buffers in and out, and glibc
 * otherwise keeps what they freed, so a worker that held 20 MB at a time grows to
 * hundreds. Dask's nanny sets the same for its workers.
 */
function workerEnv(): NodeJS.ProcessEnv {
  if (process.env.MALLOC_TRIM_THRESHOLD_ !== undefined) return process.env
  return { ...process.env, MALLOC_TRIM_THRESHOLD_: String(64 * 1024) }
}

/** Whether this program was started with tsx as a loader (`--import tsx`). */
export function startedWithTsx(): boolean {
  return withoutTsx(process.execArgv).length !== process.execArgv.length
}

/**
 * `args` less tsx given as a loader (`--import tsx`): a worker process registers tsx
 * itself, as a worker thread does, once it has loaded taskgraph's packages natively
 * (worker/import-module.ts; `InitMessage.typescript` says whether to). Started with
 * tsx, every module it loads, taskgraph's too, would wait on tsx's loader thread: some
 * 40 ms more for each worker to start.
 */
function withoutTsx(args: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (/^--(import|loader)=tsx(\/esm)?$/.test(arg)) continue
    if (/^--(import|loader)$/.test(arg) && /^tsx(\/esm)?$/.test(args[i + 1] ?? '')) {
      i++
      continue
    }
    out.push(arg)
  }
  return out
}

/**
 * The Node options a worker process starts with: this process's (a loader such as
 * `--import tsx`, `--expose-gc`, memory limits), less those that would make it run
 * something else (`--eval`, `--print`, `--test`) or clash with this process (an
 * inspector port).
 */
function workerExecArgv(): string[] {
  const out: string[] = []
  const args = process.execArgv
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (/^(-e|--eval|-p|--print)$/.test(arg)) {
      i++
      continue
    }
    if (/^(--eval|--print|--inspect|--debug|--test|--watch|--input-type)/.test(arg)) continue
    out.push(arg)
  }
  return out
}
