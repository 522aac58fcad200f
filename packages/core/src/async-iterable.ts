/**
 * Whether `value` is an async iterable (an async generator, a readable stream): refused
 * where the items must all be at hand, with `COLLECT_FIRST` saying what to do instead.
 */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  )
}

/** The fix for an async iterable given where an iterable is needed, `what` naming it. */
export function collectFirst(what: string): string {
  return `Collect its items first: await Array.fromAsync(${what}) on Node 22 or later, or a for await...of loop pushing them into an array.`
}
