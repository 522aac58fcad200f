import { types } from 'node:util'
import { isPlainObject, sparseIndices } from '@taskgraph/core/internal'

// Walks over task data (arguments and results), as structured clone sees it: arrays,
// plain objects, Maps and Sets are opened; everything else is a leaf. The walk keeps its
// own stack, never the call stack, and visits each container once: a value nested a
// million levels deep, or one that holds itself, is walked like any other.

/** Where a value sits in the walked data; its path is only spelt out when asked for. */
export interface Place {
  readonly parent: Place | undefined
  /** How the parent reaches this value: an index, a key, or how Maps and Sets hold it. */
  readonly step: number | string
  readonly kind: 'index' | 'key' | 'map-key' | 'map-value' | 'set'
  /** Levels below the walked value: 1 for its own members. */
  readonly depth: number
}

/** The path of `place` below `root`, e.g. `args[0].points[3]`, `the result.get(a)`. */
export function pathOf(root: string, place: Place | undefined): string {
  const parts: string[] = []
  for (let at = place; at !== undefined; at = at.parent) {
    switch (at.kind) {
      case 'index':
        parts.push(`[${at.step}]`)
        break
      case 'key':
        parts.push(
          typeof at.step === 'string' && /^[A-Za-z_$][\w$]*$/.test(at.step)
            ? `.${at.step}`
            : `[${JSON.stringify(at.step)}]`,
        )
        break
      case 'map-key':
        parts.push('.keys()')
        break
      case 'map-value':
        parts.push(`.get(${String(at.step)})`)
        break
      case 'set':
        parts.push('.values()')
        break
    }
  }
  parts.reverse()
  // A path a thousand levels long says less than its ends and its length.
  if (parts.length > MAX_PATH_PARTS) {
    const depth = parts.length
    return `${root}${parts.slice(0, 4).join('')}…${parts.slice(-2).join('')} (${depth} levels down)`
  }
  return root + parts.join('')
}

/** Steps of a path spelt out in full; longer ones are shortened. */
const MAX_PATH_PARTS = 12

/**
 * Whether `values` hold only primitives, as they are or in arrays one level down: a call's
 * numbers and strings, or a fan-in's list of 10,000 numbers. No walk over them can find
 * anything (a function, a graph, a stored result), and a copy carries them as they are,
 * so none is made: a walk allocates its own stack and set, which a fan-out of 10,000
 * calls would pay 10,000 times. Deeper arrays, and every other object, are walked.
 */
export function flatPrimitives(values: readonly unknown[]): boolean {
  for (const value of values) {
    if (isPrimitive(value)) continue
    // A Proxy is walked as a leaf (see `walkData`); a revoked one throws in Array.isArray.
    if (types.isProxy(value) || !Array.isArray(value)) return false
    // An array of holes is walked, which skips them (see `walkData`).
    if (sparseIndices(value) !== undefined) return false
    for (const item of value as unknown[]) if (!isPrimitive(item)) return false
  }
  return true
}

/** Whether `value` is a primitive a copy carries as it is (a symbol is not). */
export function isPrimitive(value: unknown): boolean {
  const type = typeof value
  return (type !== 'object' || value === null) && type !== 'function' && type !== 'symbol'
}

/**
 * Stands, in a walk, for a property whose getter threw when read: structured clone
 * reads getters too, and would fail the same way.
 */
export class ReadFailed {
  constructor(readonly error: unknown) {}
}

/**
 * What a walk does with each value met: return `'skip'` to leave an object's content
 * unvisited, `'stop'` to end the walk. Primitives other than symbols are not visited.
 */
export type Visitor = (value: unknown, place: Place | undefined) => 'skip' | 'stop' | void

/**
 * Visits `root` and every value inside it, depth first. `places` asks for each value's
 * place (an allocation per value: only for walks that report paths).
 */
export function walkData(root: unknown, visit: Visitor, places = false): void {
  const seen = new Set<object>()
  const values: unknown[] = [root]
  const at: (Place | undefined)[] = [undefined]
  // The place of the value being opened. One `push` for the walk, not one per container:
  // the build names every function it makes (an Object.defineProperty per closure), which
  // took two thirds of a walk over 3,000 small Maps.
  let place: Place | undefined
  const push = (item: unknown, step: number | string, kind: Place['kind']): void => {
    if (typeof item !== 'object' && typeof item !== 'function' && typeof item !== 'symbol') return
    values.push(item)
    at.push(places ? { parent: place, step, kind, depth: (place?.depth ?? 0) + 1 } : undefined)
  }
  while (values.length > 0) {
    const value = values.pop()
    place = at.pop()
    const type = typeof value
    if (type !== 'object' && type !== 'function' && type !== 'symbol') continue
    if (value === null) continue
    if (type === 'object') {
      if (seen.has(value as object)) continue
      seen.add(value as object)
    }
    const decision = visit(value, place)
    if (decision === 'stop') return
    // A Proxy is a leaf: opening it would run its traps.
    if (decision === 'skip' || type !== 'object' || types.isProxy(value)) continue
    // Pushed in reverse, so the first member is visited first.
    if (Array.isArray(value)) {
      // An array stored sparse (`items[1e9] = x`) is walked by its elements, not its length.
      const sparse = sparseIndices(value)
      if (sparse === undefined)
        for (let i = value.length - 1; i >= 0; i--) push(value[i], i, 'index')
      else for (let k = sparse.length - 1; k >= 0; k--) push(value[sparse[k]!], sparse[k]!, 'index')
    } else if (value instanceof Map) {
      const entries = [...(value as Map<unknown, unknown>)]
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i]!
        push(item, String(key), 'map-value')
        push(key, i, 'map-key')
      }
    } else if (value instanceof Set) {
      const items = [...(value as Set<unknown>)]
      for (let i = items.length - 1; i >= 0; i--) push(items[i], i, 'set')
    } else if (isPlainObject(value as object)) {
      const record = value as Record<string, unknown>
      const keys = Object.keys(record)
      for (let i = keys.length - 1; i >= 0; i--) push(read(record, keys[i]!), keys[i]!, 'key')
    }
  }
}

function read(record: Record<string, unknown>, key: string): unknown {
  try {
    return record[key]
  } catch (error) {
    return new ReadFailed(error)
  }
}
