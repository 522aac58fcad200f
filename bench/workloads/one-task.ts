// The cold-start workload: a one-task TypeScript workflow, run by the `taskgraph` command
// as a whole process (start-up, loading the workflow with tsx, one task, printing).
import { delayed } from 'taskgraph'

const inc = delayed(function inc(x: number) {
  return x + 1
})

export default inc(1)
