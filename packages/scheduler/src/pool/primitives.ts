/**
 * Whether every value is a primitive a structured clone copies as is (not an object, a
 * function or a symbol). Most task arguments are: the walks that look for functions,
 * buffers and values that cannot cross to a worker are then skipped.
 */
export function allPrimitive(values: readonly unknown[]): boolean {
  for (const value of values) {
    const type = typeof value
    if ((type === 'object' && value !== null) || type === 'function' || type === 'symbol')
      return false
  }
  return true
}
