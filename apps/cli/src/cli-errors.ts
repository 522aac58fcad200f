import { TaskgraphError } from '@taskgraph/core'
import type { ErrorInit } from '@taskgraph/core/internal'

/** Codes of `WorkflowError`: why a workflow file could not be used. */
export type WorkflowErrorCode =
  | 'ERR_WORKFLOW_NOT_FOUND'
  | 'ERR_WORKFLOW_UNSUPPORTED'
  | 'ERR_WORKFLOW_LOAD'
  | 'ERR_WORKFLOW_NO_DEFAULT'
  | 'ERR_WORKFLOW_BAD_EXPORT'

/** A workflow file is missing, does not load, or does not default-export a graph. */
export class WorkflowError extends TaskgraphError {
  declare readonly code: WorkflowErrorCode

  constructor(init: ErrorInit & { code: WorkflowErrorCode }) {
    super(init)
  }
}
WorkflowError.prototype.name = 'WorkflowError'

/** A result cannot be written in the requested form (e.g. `--json` of a BigInt). */
export class OutputError extends TaskgraphError {
  constructor(init: ErrorInit) {
    super({ ...init, code: 'ERR_OUTPUT' })
  }
}
OutputError.prototype.name = 'OutputError'

/** A command needs a package of taskgraph that is not installed (e.g. `@taskgraph/cluster`). */
export class MissingPackageError extends TaskgraphError {
  readonly packageName: string

  constructor({ packageName, ...init }: ErrorInit & { packageName: string }) {
    super({ ...init, code: 'ERR_MISSING_PACKAGE' })
    this.packageName = packageName
  }
}
MissingPackageError.prototype.name = 'MissingPackageError'

/**
 * A task on an in-process executor (inline, async) called `process.exit()`, which would
 * have ended the command mid-run: thrown from the call instead, it fails the task.
 */
export class ProcessExitError extends TaskgraphError {
  /** The code the task asked to exit with. */
  readonly exitCode: string | number | null | undefined

  constructor({ exitCode, ...init }: ErrorInit & { exitCode: string | number | null | undefined }) {
    super({ ...init, code: 'ERR_PROCESS_EXIT' })
    this.exitCode = exitCode
  }
}
ProcessExitError.prototype.name = 'ProcessExitError'

// The command's codes, among those of `TaskgraphError#code` (see `TaskgraphErrorCodes`).
declare module '@taskgraph/core' {
  interface TaskgraphErrorCodes {
    ERR_WORKFLOW_NOT_FOUND: WorkflowError
    ERR_WORKFLOW_UNSUPPORTED: WorkflowError
    ERR_WORKFLOW_LOAD: WorkflowError
    ERR_WORKFLOW_NO_DEFAULT: WorkflowError
    ERR_WORKFLOW_BAD_EXPORT: WorkflowError
    ERR_OUTPUT: OutputError
    ERR_MISSING_PACKAGE: MissingPackageError
    ERR_PROCESS_EXIT: ProcessExitError
  }
}
