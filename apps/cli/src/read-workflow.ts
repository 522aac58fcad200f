import { divertStdout } from './divert-stdout.js'
import { refuseProcessExit } from './exit-guard.js'
import type { Io } from './io.js'
import { loadWorkflow, type Workflow } from './load-workflow.js'

/**
 * Loads a workflow for a command that only reads its graph (`visualize`, `cache why`),
 * whose stdout holds what the command prints (DOT, say) and nothing else: what the
 * workflow prints as it loads goes to stderr, and its `process.exit()` fails the load.
 */
export async function readWorkflow(file: string, io: Io, command: string): Promise<Workflow> {
  const diversion = divertStdout(io.stdout, io.stderr)
  const restoreExit = refuseProcessExit(command)
  try {
    return await loadWorkflow(file, io.cwd)
  } finally {
    restoreExit()
    diversion.restore()
  }
}
