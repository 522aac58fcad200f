/**
 * The built-in views of binary data: the typed arrays and DataView, whose content is
 * their bytes. Node's Buffer is a Uint8Array with a prototype of its own. The order is
 * the wire's (scheduler's codec.ts names a view's kind by its index here).
 */
export const BINARY_VIEWS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
] as const
