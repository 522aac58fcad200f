import type { TaskGraph } from '@taskgraph/core/internal'
import type { Executor, TaskCall } from '../executors/executor.js'
import type { StepWorth } from '../wire/step-worth.js'
import { CacheTransfer, transfersResults } from './cache-transfer.js'
import { stepDuration, type Flight } from './flight.js'
import type { TaskInfo } from './hooks.js'
import type { CacheSession } from './result-cache.js'

/** What a run's cache gives it: where results go, and the tasks it did not run. */
export interface CachedRun {
  readonly session: CacheSession
  /** The graph the session was opened on: the run's, if no result was known. */
  readonly opened: TaskGraph
  /** The tasks whose results came from the cache (they are data in the run's graph). */
  readonly hits: readonly TaskInfo[]
}

/**
 * A run's side of its cache: what it stores (each result with what it cost to make),
 * and, on an executor whose results are references into a store of its own (a
 * cluster's), the moves between that store and the cache (see cache-transfer.ts).
 */
export class RunCache {
  readonly hits: readonly TaskInfo[]
  readonly #session: CacheSession
  readonly #transfer: CacheTransfer | undefined
  /** The run's graph is the one the session was opened on: nodes are named alike. */
  readonly #sameGraph: boolean

  constructor(
    cached: CachedRun,
    private readonly graph: TaskGraph,
    executor: Executor,
    stop: AbortSignal,
  ) {
    this.hits = cached.hits
    this.#session = cached.session
    this.#sameGraph = cached.opened === graph
    this.#transfer = transfersResults(executor)
      ? new CacheTransfer(cached.session, executor, stop)
      : undefined
  }

  /** Whether node `i`'s result is to be stored: it must come back from the executor. */
  stores(i: number): boolean {
    return this.#session.stores(this.graph.key(i), this.#sameGraph ? i : undefined)
  }

  /**
   * The steps of a fused chain of `members`, not the last, whose results are to be
   * stored (the executor brings them back: see `TaskCall.stepsWanted`); `undefined` if none.
   */
  wantedSteps(members: readonly number[]): number[] | undefined {
    let wanted: number[] | undefined
    for (let m = 0; m < members.length - 1; m++)
      if (this.stores(members[m]!)) (wanted ??= []).push(m)
    return wanted
  }

  /**
   * How the worker judges each of the `wanted` steps of a chain of `members` worth
   * bringing back (see `TaskCall.stepWorth`); `undefined` if the cache does not say.
   */
  stepWorth(
    members: readonly number[],
    wanted: readonly number[],
  ): (StepWorth | null)[] | undefined {
    const session = this.#session
    if (session.worth === undefined || session.passedOver === undefined) return undefined
    const sameGraph = this.#sameGraph
    const worth = wanted.map((m) => {
      const i = members[m]!
      return session.worth!(this.graph.key(i), sameGraph ? i : undefined) ?? null
    })
    return worth.some((judged) => judged !== null) ? worth : undefined
  }

  /** Node `i`'s result, to be stored, was not brought back: not worth it (`stepWorth`). */
  passedOver(i: number, durationMs: number | undefined): void {
    const node = this.#sameGraph ? i : undefined
    this.#session.passedOver?.(this.graph.key(i), durationMs, node)
  }

  /**
   * Node `i`'s result, to be stored, could not be brought back from its worker
   * (`problem`), having taken `durationMs` to make.
   */
  notStored(i: number, problem: string, durationMs: number | undefined): void {
    const node = this.#sameGraph ? i : undefined
    this.#session.notStored?.(this.graph.key(i), problem, durationMs, node)
  }

  /** Why the result of a task that returned `graph` must not be stored (see `CacheSession`). */
  returned(graph: TaskGraph): string | undefined {
    return this.#session.returned?.(graph)
  }

  /** How the executor is told a result is no longer needed: once the cache has read it. */
  release(executor: Executor): ((value: unknown) => void) | undefined {
    const transfer = this.#transfer
    return transfer === undefined ? executor.release?.bind(executor) : (v) => transfer.release(v)
  }

  /**
   * Whether data node `i`, not an output, is a cached result the tasks on the executor
   * read from its store: it goes there first (`keep`).
   */
  mustKeep(i: number): boolean {
    return this.#transfer !== undefined && this.#session.known.has(this.graph.key(i))
  }

  /** What the tasks needing cached result `value` of node `i` are handed. */
  keep(i: number, value: unknown): Promise<unknown> {
    return this.#transfer!.keep(this.graph.key(i), value)
  }

  /** Where a worker's measure of a call goes when no record is kept: to weigh its result. */
  timer(flight: Flight): TaskCall['timed'] {
    return (timing) => (flight.timing = timing)
  }

  /** How long step `m` of `flight` ran (see `stepDuration`). */
  durationOf(flight: Flight, m: number): number | undefined {
    return stepDuration(flight, m)
  }

  /** Node `i` finished with `value` after `durationMs`: stored if it is worth it. */
  completed(i: number, value: unknown, durationMs: number | undefined): void {
    const key = this.graph.key(i)
    const node = this.#sameGraph ? i : undefined
    if (this.#transfer !== undefined) this.#transfer.completed(key, value, durationMs, node)
    else this.#session.completed(key, value, durationMs, node)
  }

  /** Resolves once the results to store have been read from the executor's store. */
  settled(): Promise<void> {
    return this.#transfer?.settled() ?? Promise.resolve()
  }
}
