// Imported first by each pool worker of `taskgraph run` (the executors' `preload`): the
// worker then loads the workflow, and the TypeScript modules it imports, as the main
// thread does. The workflow's URL comes in this module's own query string.
import { prepareForWorkflow } from './workflow-loading.js'

const workflowURL = new URL(import.meta.url).searchParams.get('workflow')
if (workflowURL !== null) await prepareForWorkflow(workflowURL)
