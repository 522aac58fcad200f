// What other taskgraph packages use from @taskgraph/observe and users do not: not part of
// the public API, and free to change between versions.

// The CLI: its supervisor removes the temporary files of a runner it killed mid-write.
export { onTemporaryFile } from './write-whole-file.js'
