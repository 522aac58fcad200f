/** Float16Array, where this runtime has it (Node 24 and later; V8 13.6). */
const FLOAT16_ARRAY = (globalThis as { Float16Array?: Float32ArrayConstructor }).Float16Array

/**
 * The built-in views of binary data: the typed arrays and DataView, whose content is
 * their bytes. Node's Buffer is a Uint8Array with a prototype of its own. The order is
 * the wire's (scheduler's codec.ts names a view's kind by its place here): those of a
 * newer Node come last, so that every other keeps its place whichever Node wrote it.
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
  ...(FLOAT16_ARRAY === undefined ? [] : [FLOAT16_ARRAY]),
] as const

/** How many of `BINARY_VIEWS` every Node taskgraph runs on has. */
export const COMMON_BINARY_VIEWS = 12
