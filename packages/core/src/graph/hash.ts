/**
 * A fast non-cryptographic 128-bit string hash (two independently seeded 64-bit
 * cyrb53-style passes, read in one loop). Pure task keys are `name-<hash>`; 128 bits
 * keep the chance that two different calls collide negligible even for graphs of
 * millions of tasks.
 */
export function hash128(input: string): string {
  return hash128After(START, input)
}

/**
 * The state of `hash128` after reading `prefix`: `hash128After(hashState(prefix), rest)`
 * is `hash128(prefix + rest)`, without reading `prefix` again. Every pure task's key
 * starts with its function's token, which a graph's tasks share.
 */
export function hashState(prefix: string): HashState {
  return read(START, prefix)
}

/** What `hash128` has made of what it read so far: its four 32-bit lanes. */
export type HashState = readonly [number, number, number, number]

const SEED_A = 0x9e3779b9
const SEED_B = 0x85ebca6b
const START: HashState = [
  0xdeadbeef ^ SEED_A,
  0x41c6ce57 ^ SEED_A,
  0xdeadbeef ^ SEED_B,
  0x41c6ce57 ^ SEED_B,
]

/** `hash128` of what `state` was made of, followed by `input`. */
export function hash128After(state: HashState, input: string): string {
  const [a1, a2, b1, b2] = read(state, input)
  return final64(a1, a2) + final64(b1, b2)
}

function read(state: HashState, input: string): HashState {
  let a1 = state[0]
  let a2 = state[1]
  let b1 = state[2]
  let b2 = state[3]
  for (let i = 0; i < input.length; i++) {
    const ch = input.charCodeAt(i)
    a1 = Math.imul(a1 ^ ch, 2654435761)
    a2 = Math.imul(a2 ^ ch, 1597334677)
    b1 = Math.imul(b1 ^ ch, 2654435761)
    b2 = Math.imul(b2 ^ ch, 1597334677)
  }
  return [a1, a2, b1, b2]
}

function final64(h1: number, h2: number): string {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507)
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507)
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return hex8(h2) + hex8(h1)
}

/** The two hex digits of each byte: four lookups make a word's eight. */
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

// Four of these per key: `n.toString(16).padStart(8, '0')` took about a fifth of the time
// to build a graph of 10,000 pure tasks (in a fresh process, where it runs unoptimized).
function hex8(n: number): string {
  return (
    HEX_BYTES[n >>> 24]! +
    HEX_BYTES[(n >>> 16) & 255]! +
    HEX_BYTES[(n >>> 8) & 255]! +
    HEX_BYTES[n & 255]!
  )
}
