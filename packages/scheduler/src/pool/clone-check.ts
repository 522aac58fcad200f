import { describeValue } from '@taskgraph/core'

/** A value structured clone would reject or change, and where it sits. */
export interface CloneProblem {
  readonly path: string
  readonly type: string
  /** Why it cannot cross, when there is more to say than that it does not survive a copy. */
  readonly reason?: string
}

/**
 * The first value in `value` that cannot be copied faithfully between threads or
 * processes, or `undefined`. Structured clone throws on functions and symbols, and turns
 * class instances into plain objects (their methods and private state lost); taskgraph
 * reports both rather than hand a task something other than what was computed.
 */
export function findCloneProblem(
  value: unknown,
  path: string,
  sharedMemory = true,
): CloneProblem | undefined {
  return new CloneChecker(sharedMemory).check(value, path)
}

class CloneChecker {
  private readonly seen = new Set<object>()

  /**
   * `sameProcess`: the other side is a thread of this process. Another process cannot
   * share memory, and the message serializer between processes turns a Blob into `{}`.
   */
  constructor(private readonly sameProcess: boolean) {}

  check(value: unknown, path: string): CloneProblem | undefined {
    switch (typeof value) {
      case 'function':
      case 'symbol':
        return { path, type: describeValue(value) }
      case 'object':
        return value === null ? undefined : this.checkObject(value, path)
      default:
        return undefined
    }
  }

  private checkObject(value: object, path: string): CloneProblem | undefined {
    if (this.seen.has(value)) return undefined
    this.seen.add(value)
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i]
        if (typeof item !== 'object' && typeof item !== 'function' && typeof item !== 'symbol')
          continue
        const problem = this.check(item, `${path}[${i}]`)
        if (problem) return problem
      }
      return undefined
    }
    const proto: unknown = Object.getPrototypeOf(value)
    if (proto === Object.prototype || proto === null) {
      for (const key of Object.keys(value)) {
        const problem = this.check((value as Record<string, unknown>)[key], `${path}.${key}`)
        if (problem) return problem
      }
      return undefined
    }
    if (value instanceof Map) {
      for (const [key, item] of value as Map<unknown, unknown>) {
        const problem =
          this.check(key, `${path}.keys()`) ?? this.check(item, `${path}.get(${String(key)})`)
        if (problem) return problem
      }
      return undefined
    }
    if (value instanceof Set) {
      for (const item of value as Set<unknown>) {
        const problem = this.check(item, `${path}.values()`)
        if (problem) return problem
      }
      return undefined
    }
    if (!this.sameProcess) {
      const shared =
        value instanceof SharedArrayBuffer ||
        (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer)
      if (shared) {
        return {
          path,
          type: 'a SharedArrayBuffer',
          reason: 'and shared memory cannot reach another process',
        }
      }
      if (value instanceof Blob) {
        return { path, type: 'a Blob', reason: 'which the messages between processes cannot carry' }
      }
    }
    if (isCloneableAsIs(value)) return undefined
    return { path, type: describeValue(value) }
  }
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
