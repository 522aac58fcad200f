import { leaveToNode } from '@taskgraph/scheduler/internal'

/**
 * Keeps a workflow's failed import from being told twice. On Node 20, a CommonJS module
 * (a TypeScript helper written with `require`, which tsx compiles so) that throws while
 * it loads rejects the import and then, a moment later, a promise inside Node's loader
 * (made in `ModuleJob.run`) that nothing can handle, with the same error. Node would end
 * the process on that echo with its raw report, before `taskgraph run` on a pool (which
 * takes a moment to close) had reported the import's failure as a `WorkflowError`. From a
 * failed import on, an unhandled rejection of that very error is dropped; any other is
 * left to Node's mode (`--unhandled-rejections`), as the scheduler's own listener does.
 */
export function dropEchoOf(failure: unknown): void {
  process.on('unhandledRejection', (reason) => {
    if (reason !== failure) leaveToNode(reason)
  })
}
