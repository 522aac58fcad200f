import { expectEcho, isEcho, leaveToNode } from '@taskgraph/scheduler/internal'

/**
 * Keeps a workflow's failed import from being told twice: on Node 20 its echo, an
 * unhandled rejection of the same error a moment later (see the scheduler's
 * rejection-echoes.ts), would end the process with Node's raw report before `taskgraph
 * run` on a pool (which takes a moment to close) had reported the import's failure as a
 * `WorkflowError`. From a failed import on, that echo is dropped; any other unhandled
 * rejection is left to Node's mode (`--unhandled-rejections`), as the scheduler's own
 * listener does.
 */
export function dropEchoOf(failure: unknown): void {
  expectEcho(failure)
  process.on('unhandledRejection', (reason) => {
    if (!isEcho(reason)) leaveToNode(reason)
  })
}
