import type { TaskCall } from '../executors/executor.js'
import { errorText } from '../wire/error-text.js'

/**
 * Calls recently sent to workers, by the id their worker knows them by: a worker reports
 * a rejection nothing handled that came after a call's outcome (`LateMessage`) by that
 * id. Bounded: a report about a call older than the last `limit` is dropped, with a
 * warning, rather than every call ever sent being remembered.
 */
export class RecentCalls {
  private readonly calls = new Map<number, Pick<TaskCall, 'key' | 'name' | 'lateFailure'>>()

  constructor(private readonly limit = 65_536) {}

  add(id: number, call: TaskCall): void {
    this.calls.set(id, { key: call.key, name: call.name, lateFailure: call.lateFailure })
    if (this.calls.size > this.limit) this.calls.delete(this.calls.keys().next().value!)
  }

  /** Hands a late failure of call `id` to its run. */
  late(id: number, error: unknown): void {
    const call = this.calls.get(id)
    if (call !== undefined) {
      call.lateFailure(error)
      return
    }
    process.emitWarning(
      `a task made a promise that rejected with nothing to handle it, long after it ran: ${errorText(error)}`,
      { code: 'TASKGRAPH_UNHANDLED_REJECTION' },
    )
  }
}
