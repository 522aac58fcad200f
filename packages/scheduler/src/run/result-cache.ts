import type { TaskGraph } from '@taskgraph/core/internal'
import type { StepWorth } from '../wire/step-worth.js'

/**
 * A persistent cache of task results, kept across runs: what the `cache` run option
 * takes (@taskgraph/cache's `TaskCache` keeps one in a directory). A run opens a session
 * on its graph before anything runs, and closes it once it has ended, however it ended.
 */
export interface ResultCache {
  open(graph: TaskGraph): Promise<CacheSession>
}

/** What a cache offers one run. */
export interface CacheSession {
  /**
   * Results already known, by task key: those tasks do not run, nor do tasks that only
   * they needed.
   */
  readonly known: ReadonlyMap<string, unknown>
  /**
   * Whether the result of the task with key `key` may be stored: the scheduler then
   * gets it back from the executor (fused inside a chain, as a step it asks for: see
   * `TaskCall.stepsWanted`).
   * `node`, here and in `completed`: the task's node in the graph the session was opened
   * on, given when the run runs that graph (no result was known), to spare a search by
   * key.
   */
  stores(key: string, node?: number): boolean
  /**
   * The task with key `key` finished with `value` (stored if `stores(key)` and the cache
   * finds it worth keeping; not read otherwise), having run for `durationMs` (where its
   * worker, or this thread, measured it; `undefined` if nobody did): told of every task,
   * stored or not, since what a result costs to make again counts the inputs not stored.
   */
  completed(key: string, value: unknown, durationMs: number | undefined, node?: number): void
  /**
   * The result of the task with key `key`, which `stores(key)`, finished after
   * `durationMs` (as `completed`'s) but could not be brought back from the worker that
   * made it (`problem` says why): it is not stored, and what depends on it costs more to
   * make again. `node`: as `completed`'s.
   */
  notStored?(key: string, problem: string, durationMs?: number, node?: number): void
  /**
   * How the worker of a fused chain judges whether the result of the task with key `key`
   * (one that `stores`) is worth bringing back to be weighed (see `StepWorth`), given
   * the results the run has weighed so far; `undefined`: bring it whatever it weighs (it
   * is stored whatever it costs). Asked as the chain is sent. A session that answers
   * must have `passedOver`. `node`: as `completed`'s.
   */
  worth?(key: string, node?: number): StepWorth | undefined
  /**
   * The result of the task with key `key`, which `stores`, was not brought back: its
   * worker found it larger than `worth` allows. It is not stored; weighed as having
   * taken `durationMs` (as `completed`'s). `node`: as `completed`'s.
   */
  passedOver?(key: string, durationMs: number | undefined, node?: number): void
  /**
   * Why the result of a task that returned `graph` (a task of the run, or of a graph
   * another returned) must not be stored, though the task's key is sound: a result made
   * by functions holding state that key does not cover. `undefined` if it may be.
   */
  returned?(graph: TaskGraph): string | undefined
  /** The run has ended: what is being stored is finished. Never rejects. */
  close(): Promise<void>
}
