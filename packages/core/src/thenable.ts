/**
 * Whether `value` is a thenable: an object or a function with a `then` method, which
 * `await` and `Promise.resolve` treat as a promise (the Promises/A+ definition). A task
 * function may return one of any kind, not only a native `Promise`.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}
