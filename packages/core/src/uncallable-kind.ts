/**
 * What a function is when calling it cannot give a result to compute: a class (which
 * needs `new`), a generator function or an async generator function (whose call gives
 * an iterator); `undefined` for any other function.
 */
export function uncallableKind(fn: object): string | undefined {
  if (/^class\b/.test(Function.prototype.toString.call(fn))) return 'a class'
  const constructor = (Object.getPrototypeOf(fn) as { constructor?: { name?: string } } | null)
    ?.constructor?.name
  if (constructor === 'GeneratorFunction') return 'a generator function'
  if (constructor === 'AsyncGeneratorFunction') return 'an async generator function'
  return undefined
}
