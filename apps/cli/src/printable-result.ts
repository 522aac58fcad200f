import { OutputError } from './cli-errors.js'

/**
 * The deepest nesting `taskgraph run` prints. Node's inspector gives up where its
 * recursion overflows the stack, and prints a note in place of the rest: in the command,
 * at some 850 levels of arrays and 1,000 of objects (JSON.stringify throws further on).
 * One limit, well under both, for both forms.
 */
export const MAX_PRINTED_DEPTH = 500

/**
 * The most binary data (typed arrays, Buffers, ArrayBuffers, DataViews) `taskgraph run`
 * prints, in bytes, in all: each byte is printed as a number, some 5 characters of text.
 * 1 MiB takes about 0.2 s and 140 MB of memory to print; 40 MB took 21 s and 2.8 GB, and
 * 200 MB ran out of memory (see docs/cli.md).
 */
export const MAX_PRINTED_BINARY_BYTES = 2 ** 20

/** A value met in the walk, with how it was reached, to name its path only when needed. */
interface Step {
  readonly value: object
  readonly depth: number
  readonly parent: Step | undefined
  readonly key: string
}

/**
 * Checks that the result can be printed whole, before it is printed: a result nested
 * too deeply, or holding too much binary data, is refused rather than cut short or left to
 * exhaust the memory. Walks without recursion, so that the walk itself cannot overflow.
 * @throws {OutputError} saying how deep or how big, where, and what to do instead
 */
export function checkPrintable(value: unknown): void {
  if (typeof value !== 'object' || value === null) return
  const seen = new Set<object>([value])
  const stack: Step[] = [{ value, depth: 1, parent: undefined, key: '' }]
  let binaryBytes = 0
  let deepest: Step | undefined
  for (let step = stack.pop(); step !== undefined; step = stack.pop()) {
    // Walked to the end, to say how deep it goes.
    if (step.depth > (deepest?.depth ?? MAX_PRINTED_DEPTH)) deepest = step
    const bytes = binaryLength(step.value)
    if (bytes !== undefined) {
      binaryBytes += bytes
      if (binaryBytes > MAX_PRINTED_BINARY_BYTES) {
        throw new OutputError({
          message: `taskgraph run: the result holds more than ${MAX_PRINTED_BINARY_BYTES / 2 ** 20} MiB of binary data, too much to print as numbers (${describePath(step)} is a ${step.value.constructor?.name ?? 'binary value'} of ${bytes.toLocaleString('en-US')} bytes); write it to a file from a task and return the path, or return a summary of it (its length, a checksum)`,
        })
      }
      continue
    }
    for (const [key, child] of childrenOf(step.value)) {
      if (typeof child !== 'object' || child === null || seen.has(child)) continue
      seen.add(child)
      stack.push({ value: child, depth: step.depth + 1, parent: step, key })
    }
  }
  if (deepest !== undefined) {
    throw new OutputError({
      message: `taskgraph run: the result is nested ${deepest.depth.toLocaleString('en-US')} levels deep (${describePath(deepest)}), too deep to print: at most ${MAX_PRINTED_DEPTH.toLocaleString('en-US')} are printed, with --json too; return a flatter value (an array of rows rather than a linked chain), or write it to a file from a task and return the path`,
    })
  }
}

/** The size in bytes of a binary value, or `undefined` for any other. */
function binaryLength(value: object): number | undefined {
  if (ArrayBuffer.isView(value)) return value.byteLength
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return value.byteLength
  return undefined
}

/** What the inspector prints inside `value`, each with the path segment that reaches it. */
function* childrenOf(value: object): Generator<[string, unknown]> {
  if (value instanceof Map) {
    let i = 0
    for (const [key, entry] of value) {
      yield [`<key ${i}>`, key]
      yield [`<entry ${i++}>`, entry]
    }
  } else if (value instanceof Set) {
    let i = 0
    for (const entry of value) yield [`<member ${i++}>`, entry]
  }
  // Own enumerable data properties (array items included); getters are not called.
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Reflect.getOwnPropertyDescriptor(value, key)
    if (descriptor?.enumerable === true && 'value' in descriptor) {
      yield [typeof key === 'symbol' ? `[${key.toString()}]` : key, descriptor.value]
    }
  }
}

/** `result.a[2].b`, for `step`, shortened in the middle when it is long. */
function describePath(step: Step): string {
  const keys: Step[] = []
  for (let at: Step | undefined = step; at?.parent !== undefined; at = at.parent) keys.push(at)
  keys.reverse()
  const segment = ({ key, parent }: Step): string =>
    Array.isArray(parent?.value) && /^\d+$/.test(key)
      ? `[${key}]`
      : /^[A-Za-z_$][\w$]*$/.test(key)
        ? `.${key}`
        : `[${key.startsWith('<') || key.startsWith('[') ? key : JSON.stringify(key)}]`
  const shown =
    keys.length > 8
      ? [...keys.slice(0, 4).map(segment), '…', ...keys.slice(-3).map(segment)]
      : keys.map(segment)
  return keys.length === 0 ? 'the result' : `result${shown.join('')}`
}
