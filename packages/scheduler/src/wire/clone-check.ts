import { types } from 'node:util'
import { describeValue } from '@taskgraph/core/internal'
import { ReadFailed, isPlainObject, pathOf, walkData } from './data-walk.js'
import { errorText } from './error-text.js'

/** A value structured clone would reject or change, and where it sits. */
export interface CloneProblem {
  readonly path: string
  readonly type: string
  /** Why it cannot cross, when there is more to say than that it does not survive a copy. */
  readonly reason?: string
}

/**
 * Levels of nesting past which structured clone runs out of stack (V8's serializer
 * recurses; it fails between 1,000 and 5,000 levels): reported with a path, when a copy
 * failed, instead of a bare RangeError.
 */
const CLONE_DEPTH = 1000

/**
 * The first value in `value` that cannot be copied faithfully between threads or
 * processes, or `undefined`. Structured clone throws on functions, symbols and Proxies,
 * runs getters (which may throw), and turns class instances into plain objects (their
 * methods and private state lost); taskgraph reports each rather than hand a task
 * something other than what was computed.
 *
 * `sameProcess`: the other side is a thread of this process. Another process cannot
 * share memory, and taskgraph's messages between processes do not carry Blobs.
 * `afterFailure`: a copy already failed: also look for what only fails on copying,
 * data nested too deeply.
 */
export function findCloneProblem(
  value: unknown,
  root: string,
  sameProcess = true,
  afterFailure = false,
): CloneProblem | undefined {
  let problem: CloneProblem | undefined
  walkData(
    value,
    (item, place) => {
      let found = problemOf(item, sameProcess)
      if (found === undefined && afterFailure && (place?.depth ?? 0) > CLONE_DEPTH) {
        found = {
          type: 'data nested more than a thousand levels deep',
          reason: 'which structured clone cannot copy (it runs out of stack)',
        }
      }
      if (found === undefined) return undefined
      problem = { ...found, path: pathOf(root, place) }
      return 'stop'
    },
    true,
  )
  return problem
}

function problemOf(value: unknown, sameProcess: boolean): Omit<CloneProblem, 'path'> | undefined {
  if (typeof value === 'function' || typeof value === 'symbol') {
    return { type: describeValue(value) }
  }
  const object = value as object
  if (types.isProxy(object))
    return { type: 'a Proxy', reason: 'which structured clone cannot copy' }
  if (object instanceof ReadFailed) {
    return {
      type: 'a property whose getter throws',
      reason: `which structured clone reads: ${errorText(object.error)}`,
    }
  }
  if (Array.isArray(object) || isPlainObject(object)) return undefined
  if (object instanceof Map || object instanceof Set) return undefined
  if (!sameProcess) {
    const shared =
      object instanceof SharedArrayBuffer ||
      (ArrayBuffer.isView(object) && object.buffer instanceof SharedArrayBuffer)
    if (shared) {
      return {
        type: 'a SharedArrayBuffer',
        reason: 'and shared memory cannot reach another process',
      }
    }
    if (object instanceof Blob) {
      return { type: 'a Blob', reason: 'which the messages between processes cannot carry' }
    }
  }
  if (isCloneableAsIs(object)) return undefined
  return { type: describeValue(object) }
}

function isCloneableAsIs(value: object): boolean {
  return (
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof ArrayBuffer ||
    value instanceof SharedArrayBuffer ||
    ArrayBuffer.isView(value) ||
    value instanceof Error ||
    value instanceof Boolean ||
    value instanceof Number ||
    value instanceof String ||
    value instanceof BigInt ||
    value instanceof Blob
  )
}
