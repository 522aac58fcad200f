// @taskgraph/scheduler/wire: the description of a call that any worker can run (see
// call.ts), for other taskgraph packages and executor authors. Code on the worker side of
// a boundary imports this entry, never the package's main one, so that a worker does not
// load the run engine and the pools.

export type { CallTimes, WireCall, WireFailure, WireOutcome, WireStep } from './call.js'
export {
  exportedFunction,
  functionIn,
  moduleOf,
  refKey,
  refName,
  sourceHash,
  type FunctionRef,
} from './function-ref.js'
export { decode, encode, type Encoded } from './codec.js'
export {
  findCallProblem,
  findCloneProblem,
  readProblem,
  type CallProblem,
  type CloneCheck,
  type CloneProblem,
} from './clone-check.js'
export { fromWireError, toWireError, type WireError } from './remote-error.js'
// Replacing values inside task data (a cluster's stored results by markers, and back).
export { replaceMembers, replaceMembersInPlace } from './replace-members.js'
export { flatPrimitives, isPrimitive, walkData } from './data-walk.js'
export { leastBytes, worthBringing, type StepWorth } from './step-worth.js'
// A graph a task returned, written as data to cross to whoever runs it.
export {
  CYCLIC_GRAPH,
  decodeGraph,
  encodeGraph,
  holdsGraph,
  isGraphProblem,
  isWireGraph,
  type GraphProblem,
  type WireGraph,
} from './returned-graph.js'
// What marks a function, a returned graph and its nodes in data that crosses.
export { marksOf, newMarks, type Marks } from './marks.js'
// What a module's source imports: a cache's keys follow it, a cluster's workers compare it.
export { codeHash } from '../source/code-hash.js'
export { importSpecifiers, type ImportSpecifier } from '../source/import-specifiers.js'
export { importedFiles } from '../source/imported-files.js'
export { inRanges, textRanges } from '../source/text-ranges.js'
