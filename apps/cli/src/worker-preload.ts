// Imported first by each pool worker of `taskgraph run` (the executors' `preload`): the
// worker then loads the workflow, and the TypeScript modules it imports, as the main
// thread does. The workflow's URL comes in this module's own query string, with those of
// the other modules a cluster worker serves.
import { announceLoading, expectEcho, preloadInEveryPool } from '@taskgraph/scheduler/internal'
import { reportClosedOutput } from './closed-output.js'
import { importWorkflow, prepareForWorkflow } from './workflow-loading.js'

reportClosedOutput()

// Pools a task makes in this worker load what this one did.
preloadInEveryPool(import.meta.url)

const query = new URL(import.meta.url).searchParams
const workflowURL = query.get('workflow')
const projectURL = query.get('project') ?? undefined
if (workflowURL === null && query.has('typescript')) {
  announceLoading(`taskgraph's resolution hooks, and tsx where Node cannot strip types`)
  await prepareForWorkflow(undefined, { typescript: true, projectURL })
}
if (workflowURL !== null) {
  announceLoading(
    `taskgraph's resolution hooks, and tsx where Node cannot strip types, to load ${workflowURL}`,
  )
  await prepareForWorkflow(workflowURL, { projectURL })
  // Load it now, while the main thread does the same, so the first tasks find it ready.
  // Importing a workflow runs no task. A failure shows up again when a task needs it;
  // its echo (see `expectEcho`) does not end the worker meanwhile.
  // A workflow that stripping cannot run loads under tsx here as on the main thread, and
  // by the same URL, which the tasks' functions name.
  // A cluster worker's other modules load now too (see `workerPreloadFor`).
  for (const url of [workflowURL, ...query.getAll('module')]) {
    announceLoading(url)
    await importWorkflow(url).catch((error: unknown) => expectEcho(error))
  }
}
