import {
  ExecutorClosedFault,
  TimedOutFault,
  WorkerLostFault,
  WorkerModuleFault,
  WorkerStartFault,
} from '../executors/executor-faults.js'
import { fromWireError } from '../wire/remote-error.js'
import type {
  BatchMessage,
  BatchOutcomes,
  InitMessage,
  LateMessage,
  ReadyMessage,
  StepMessage,
} from '../wire/messages.js'
import { workerStarting } from '../worker/loading.js'
import { LONG_CALL_MS } from './call-costs.js'
import { startProcess, startThread, type Unread, type WorkerHandle } from './worker-handle.js'

/** How long an idle worker has to end itself when the pool closes. */
const RETIRE_MS = 1000
/** Batches a worker holds at once: one running, one ready to start when it ends. */
const BATCHES_PER_WORKER = 2

export interface WorkerPoolOptions {
  readonly runtime: 'worker_threads' | 'child_process'
  readonly size: number
  /** Where what tasks write to stdout goes. */
  readonly taskStdout: 'stdout' | 'stderr'
  /** What each worker loads before it is ready (`modules` is read when a worker starts). */
  readonly init: () => InitMessage
  /** How long a worker may take to get ready. */
  readonly startTimeoutMs: number
  /** A worker got ready, finding these functions (see `ReadyMessage.found`). */
  readonly onFound: (found: NonNullable<ReadyMessage['found']>) => void
  /** A worker reported a late failure of one of its calls. */
  readonly onLate: (message: LateMessage) => void
  /** A step of a call has ended, whose result the call asked for. */
  readonly onStep: (message: StepMessage) => void
  /** A worker that replaced a lost one is ready: it has room for batches. */
  readonly onReplaced: () => void
  /**
   * A worker that replaced a lost one could not get ready, or code outside any task
   * ended a worker (as it would every worker): the pool is of no more use.
   */
  readonly onBroken: (reason: WorkerStartFault | WorkerModuleFault) => void
}

/** How a batch is run. */
export interface RunOptions {
  /** The batch's time limit: past it, its worker is ended. */
  readonly timeoutMs?: number | undefined
  /** The worker runs nothing else meanwhile (a call on trial after a lost batch). */
  readonly alone?: boolean
  /** The worker, `handle`, has begun the batch. */
  readonly onStarted?: (handle: WorkerHandle) => void
  /**
   * Calls of the batch ended while others still run (`OutcomesMessage`): their outcomes,
   * which the batch's own leave out.
   */
  readonly onOutcomes?: (told: BatchOutcomes) => void
  /** The worker records where and when each call ran (`WireOutcome.times`). */
  readonly timed?: boolean
  /**
   * Aborted when nothing waits for the batch's outcome any more (the runs of its calls
   * ended): a worker whose running batch is abandoned is ended, and replaced, rather than
   * left to run on for nothing, perhaps for ever.
   */
  readonly abandon?: AbortSignal
}

interface Sent {
  readonly resolve: (done: BatchOutcomes) => void
  readonly reject: (reason: Error) => void
  /** The batch's time limit, if it has one. */
  readonly timeoutMs: number | undefined
  /** The worker runs nothing else while this batch is in it. */
  readonly alone: boolean
  /** The worker said it began the batch. */
  started: boolean
  /** When the worker said so (`performance.now()`). */
  startedAt?: number
  readonly onStarted: ((handle: WorkerHandle) => void) | undefined
  readonly onOutcomes: ((told: BatchOutcomes) => void) | undefined
  timedOut: boolean
  /** Nothing waits for its outcome any more (`RunOptions.abandon`). */
  abandoned: boolean
}

interface PoolWorker {
  readonly handle: WorkerHandle
  ready: boolean
  /** The module the worker was importing while it got ready, for messages. */
  loading: string | undefined
  /** Code outside any task failed there (`OutsideMessage`): the worker is ending. */
  outside: WorkerModuleFault | undefined
  /** Code of a call that had ended threw there (`LateMessage.ends`): the worker is ending. */
  endedLate: boolean
  readonly sent: Map<number, Sent>
}

/**
 * A fixed number of workers, threads or child processes, that run batches of calls.
 * Each worker gets ready (imports its preload modules) within `startTimeoutMs`; a worker
 * that is lost fails the batches it held (less the calls it told of, `onOutcomes`) and
 * is replaced. A batch with a time limit runs alone on its worker, which is ended if the
 * limit passes.
 */
export class WorkerPool {
  private readonly workers = new Set<PoolWorker>()
  private nextBatch = 1
  private closed = false
  private starting: Promise<void> | undefined
  /** Why every batch a lost worker held fails: code outside any task ends workers. */
  private broken: WorkerModuleFault | undefined

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Starts the workers; resolves once all are ready, rejects with `WorkerStartFault`. */
  start(): Promise<void> {
    this.starting ??= Promise.all(
      Array.from({ length: this.options.size }, () => this.startWorker()),
    ).then(() => undefined)
    return this.starting
  }

  /** Whether a worker can take a batch now (`alone`: one that must run alone). */
  hasRoom(alone: boolean): boolean {
    return this.pick(alone) !== undefined
  }

  /** Batches sent and not yet answered. */
  get inFlight(): number {
    let count = 0
    for (const worker of this.workers) count += worker.sent.size
    return count
  }

  /**
   * Sends `calls` to a worker with room (check `hasRoom` first) and resolves with their
   * outcomes, those told before (`RunOptions.onOutcomes`) left out; `undefined`, sending
   * nothing, if no worker has room any more (a call that has run long since keeps others
   * off its worker: time passes while a batch is written). A batch with a time limit runs
   * alone. Throws, sending nothing, if the calls
   * cannot be copied; rejects with `WorkerLostFault` if the worker is lost, and with
   * `TimedOutFault` if the batch passes its time limit.
   */
  run(
    { functions, calls, marks }: Pick<BatchMessage, 'functions' | 'calls' | 'marks'>,
    transfer: readonly ArrayBuffer[],
    {
      timeoutMs,
      alone = timeoutMs !== undefined,
      onStarted,
      onOutcomes,
      timed,
      abandon,
    }: RunOptions = {},
  ): Promise<BatchOutcomes> | undefined {
    const worker = this.pick(alone)
    if (worker === undefined) return undefined
    const id = this.nextBatch++
    // Throws, before anything is sent, if the calls cannot be copied.
    worker.handle.send(
      { type: 'batch', id, functions, calls, marks, ...(timed && { timed }) },
      transfer,
    )
    worker.handle.keepAlive(true)
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const sent: Sent = {
        resolve: (done) => {
          clearTimeout(timer)
          resolve(done)
        },
        reject: (reason) => {
          clearTimeout(timer)
          reject(reason)
        },
        timeoutMs,
        alone,
        onStarted,
        onOutcomes,
        started: false,
        timedOut: false,
        abandoned: false,
      }
      worker.sent.set(id, sent)
      abandon?.addEventListener(
        'abort',
        () => {
          sent.abandoned = true
          this.stopIfAbandoned(worker)
        },
        { once: true },
      )
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          sent.timedOut = true
          worker.handle.kill()
        }, timeoutMs)
      }
    })
  }

  /** Ends every worker; batches in flight reject with `ExecutorClosedFault`. */
  async close(): Promise<void> {
    this.closed = true
    const exits: Promise<void>[] = []
    for (const worker of this.workers) {
      exits.push(new Promise((resolve) => worker.handle.onExit(() => resolve())))
      // Held until it is gone: closing resolves only once no worker is left.
      worker.handle.keepAlive(true)
      if (!worker.ready || worker.sent.size > 0) {
        worker.handle.kill()
        continue
      }
      // An idle worker ends itself once its output is out; one that does not is ended.
      worker.handle.retire()
      setTimeout(() => worker.handle.kill(), RETIRE_MS).unref()
    }
    await Promise.all(exits)
  }

  /**
   * Ends every worker at once, synchronously, replacing none: for a process about to
   * exit, whose child processes must not outlive it.
   */
  endNow(): void {
    this.closed = true
    for (const worker of this.workers) worker.handle.kill()
  }

  private pick(alone: boolean): PoolWorker | undefined {
    let best: PoolWorker | undefined
    for (const worker of this.workers) {
      if (!worker.ready) continue
      const busy = worker.sent.size
      if (busy >= BATCHES_PER_WORKER) continue
      if (busy > 0 && (alone || this.holdsAlone(worker) || runsLong(worker))) continue
      if (best === undefined || busy < best.sent.size) best = worker
    }
    return best
  }

  /**
   * Lets an idle worker's handles go, so that a pool nobody uses does not keep the
   * process alive. Not once closing: a worker that gets ready or ends its batch after
   * close() has killed it is held until it is gone, or its exit might never be seen.
   */
  private letIdle(worker: PoolWorker): void {
    if (!this.closed) worker.handle.keepAlive(false)
  }

  /**
   * Ends a worker whose running batch nobody waits for (and that runs nothing else that
   * somebody does): it is replaced, as a lost worker is. A batch it had not begun yet
   * is lost blamelessly, and sent again.
   */
  private stopIfAbandoned(worker: PoolWorker): void {
    let abandoned = false
    for (const sent of worker.sent.values()) {
      if (!sent.started) continue
      if (!sent.abandoned) return
      abandoned = true
    }
    if (abandoned) worker.handle.kill()
  }

  private holdsAlone(worker: PoolWorker): boolean {
    for (const sent of worker.sent.values()) if (sent.alone) return true
    return false
  }

  /** Starts one worker; resolves once it is ready. */
  private startWorker(): Promise<void> {
    // The workflow's top-level code, say, calling parallelMap on 'threads': every worker
    // of every pool would start a pool of its own, until the machine ran out of memory.
    if (workerStarting()) return Promise.reject(new WorkerStartFault(NESTED_START))
    const { runtime, taskStdout } = this.options
    const handle = runtime === 'worker_threads' ? startThread(taskStdout) : startProcess(taskStdout)
    const worker: PoolWorker = {
      handle,
      ready: false,
      loading: undefined,
      outside: undefined,
      endedLate: false,
      sent: new Map(),
    }
    this.workers.add(worker)
    const limit = this.options.startTimeoutMs
    return new Promise<void>((resolve, reject) => {
      const fail = (detail: string, limitMs?: number, signal?: string): void => {
        clearTimeout(timer)
        reject(new WorkerStartFault(detail, limitMs, { signal }))
        worker.handle.kill()
      }
      const timer = setTimeout(() => {
        const what = worker.loading === undefined ? 'starting' : `importing ${worker.loading}`
        fail(`a ${handle.what} was still ${what} after ${limit} ms`, limit)
      }, limit)
      handle.onMessage((message) => {
        switch (message.type) {
          case 'loading':
            worker.loading = message.url
            return
          case 'ready':
            if (message.failure !== undefined) return fail(message.failure)
            clearTimeout(timer)
            if (message.found !== undefined) this.options.onFound(message.found)
            worker.ready = true
            this.letIdle(worker)
            resolve()
            return
          case 'started': {
            const sent = worker.sent.get(message.id)
            if (sent === undefined) return
            sent.started = true
            sent.startedAt = performance.now()
            if (sent.abandoned) this.stopIfAbandoned(worker)
            // After the outcomes of the batch before, which arrive first but reach the run
            // through a few promise jobs: a start is not reported before the end before it.
            if (sent.onStarted !== undefined) setImmediate(sent.onStarted, handle)
            return
          }
          case 'done': {
            const sent = worker.sent.get(message.id)
            worker.sent.delete(message.id)
            if (worker.sent.size === 0) this.letIdle(worker)
            sent?.resolve(message)
            return
          }
          case 'outcomes':
            worker.sent.get(message.id)?.onOutcomes?.(message)
            return
          case 'late':
            if (message.ends === true) worker.endedLate = true
            this.options.onLate(message)
            return
          case 'step':
            this.options.onStep(message)
            return
          case 'warning': {
            const { name: type, message: text, code, detail } = message
            if (type === 'DeprecationWarning' && process.throwDeprecation) {
              // Emitted, Node would throw it a tick later, with nothing to catch it: the
              // worker's own flags decided whether its call failed of it.
              const warning = Object.assign(new Error(text), { name: type, code, detail })
              process.emit('warning', warning)
            } else process.emitWarning(text, { type, code, detail })
            return
          }
          case 'outside':
            worker.outside ??= new WorkerModuleFault(
              fromWireError(message.error),
              message.how,
              handle.what,
            )
            return
        }
      })
      handle.onExit((how, unread, signal) => {
        this.workers.delete(worker)
        if (worker.outside !== undefined) {
          // Every worker imports the module: a worker started in its place would fail so.
          this.broken ??= worker.outside
          clearTimeout(timer)
          reject(worker.outside)
        } else if (!worker.ready) {
          fail(`a ${handle.what} ${how} while starting`, undefined, signal)
        }
        this.lost(worker, `the ${handle.what} ${how}`, unread, signal === 'SIGABRT')
      })
      try {
        handle.send({ ...this.options.init(), type: 'init' }, [])
      } catch (error) {
        fail(`the ${handle.what} could not be sent its start-up message: ${String(error)}`)
      }
    })
  }

  /**
   * Fails what a lost worker held, and starts another in its place. `unread`: it ended
   * over a message that could not be read (see `Unread`); `aborted`: by SIGABRT.
   */
  private lost(worker: PoolWorker, detail: string, unread?: Unread, aborted = false): void {
    // With several batches begun, any of them may have ended the worker; none did if it
    // died reading a batch sent after them.
    let begun = 0
    for (const sent of worker.sent.values()) if (sent.started) begun++
    // A call that had ended did: those running now go again, alone, uncharged.
    const shared = begun > 1 || unread === 'call' || worker.endedLate
    for (const sent of worker.sent.values()) {
      if (this.broken !== undefined) sent.reject(this.broken)
      else if (this.closed) sent.reject(new ExecutorClosedFault(true))
      else if (sent.timedOut) sent.reject(new TimedOutFault(sent.timeoutMs!, 'stopped'))
      else {
        const options = { shared, started: sent.started, unread, aborted }
        sent.reject(new WorkerLostFault(detail, options))
      }
    }
    worker.sent.clear()
    if (this.closed || !worker.ready) return
    if (worker.outside !== undefined) this.options.onBroken(worker.outside)
    if (this.broken !== undefined) return
    this.startWorker().then(
      () => this.options.onReplaced(),
      (reason: WorkerStartFault) => this.options.onBroken(reason),
    )
  }
}

const NESTED_START =
  "a pool was started by a module's top-level code as a pool's worker imported it (the workflow's, which runs in every worker): each of its workers would start a pool in turn, without end. Start runs (compute, parallelMap, Vectorizer#process) from functions, such as the workflow's default export, not from a module's top-level code"

/**
 * Whether `worker` has been running a batch for `LONG_CALL_MS` or more: nothing is sent
 * behind it, as behind a call known to be long. A call of a function not timed yet (the
 * first of its kind, or a run's that was cancelled and runs on) is not known to be long:
 * a second batch sent behind one that never ends waited for ever while another worker
 * was idle.
 */
function runsLong(worker: PoolWorker): boolean {
  const now = performance.now()
  for (const sent of worker.sent.values()) {
    if (sent.startedAt !== undefined && now - sent.startedAt >= LONG_CALL_MS) return true
  }
  return false
}
