// What other taskgraph packages use from @taskgraph/observe and users do not: not part of
// the public API, and free to change between versions.

// The CLI: its supervisor removes the temporary files of a runner it killed mid-write;
// `visualize -o` writes its drawing as traces and reports are written.
export { onTemporaryFile, writeWholeFile } from './write-whole-file.js'

// `visualize` checks its `addedGraphs` option as the trace's options are checked.
export { isAddedGraph } from './check-trace-options.js'
