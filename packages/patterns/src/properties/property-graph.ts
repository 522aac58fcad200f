import { InvalidArgumentError, isDelayed, type Delayed } from '@taskgraph/core'
import { describeValue } from '@taskgraph/core/internal'
import { refuseFutures } from '../future-inputs.js'
import { slotFor, type CachePlan } from './disk-cache.js'
import { heldValue, stateOf, type ObjectState } from './property-object.js'
import type { PropertySpec } from './property-spec.js'
import { collectTask, elementTask, setOwn, wholeTask } from './property-tasks.js'

/**
 * The graph computing properties `names` of `object`: one task per element of each
 * per-element property, one task on the computing thread per whole-batch property, and
 * a last one assembling the requested values. Only what the requested properties use is
 * in it; values the object already holds are used as they are.
 */
export function propertiesGraph(
  caller: string,
  object: unknown,
  names: unknown,
  cache: CachePlan | undefined,
): Delayed<Record<string, unknown>> {
  const state = stateOf(caller, object)
  const requested = checkNames(caller, state, names)
  for (const [field, value] of Object.entries(state.fields)) {
    refuseFutures(caller, `field ${JSON.stringify(field)} holds`, value)
  }
  const builder = new GraphBuilder(object as object, state, cache)
  const values = requested.map((name) => builder.node(name))
  const stacked = requested.map((name) => state.definition.properties.get(name)!.perElement)
  return collectTask({ names: requested, stacked, cacheDir: cache?.dir }, ...values)
}

/** A node of a per-element property: one entry per element. Otherwise one value. */
type Node = unknown

class GraphBuilder {
  private readonly nodes = new Map<string, Node>()
  private readonly batched: ReadonlySet<string>

  constructor(
    private readonly object: object,
    private readonly state: ObjectState,
    private readonly cache: CachePlan | undefined,
  ) {
    this.batched = new Set(state.definition.batched)
  }

  /** The property's value (held by the object) or its `Delayed`; per element if it is per element. */
  node(name: string): Node {
    let node = this.nodes.get(name)
    if (node === undefined && !this.nodes.has(name)) {
      const held = heldValue(this.object, name)
      const spec = this.state.definition.properties.get(name)!
      node =
        held !== undefined ? held.value : spec.perElement ? this.elements(spec) : this.whole(spec)
      this.nodes.set(name, node)
    }
    return node
  }

  private elements(spec: PropertySpec): unknown[] {
    const task = elementTask.with({ name: spec.name, ...spec.options })
    const uses = spec.uses ?? Object.keys(this.state.fields)
    const own = uses.filter((use) => this.isPerElement(use))
    const out: unknown[] = []
    for (let i = 0; i < this.state.length; i++) {
      const known: Record<string, unknown> = {}
      const names: string[] = []
      const values: unknown[] = []
      for (const use of uses) {
        const property = this.state.definition.properties.get(use)
        const whole = property === undefined ? this.state.fields[use] : this.node(use)
        const value = this.isPerElement(use) ? (whole as ArrayLike<unknown>)[i] : whole
        if (isDelayed(value)) {
          names.push(use)
          values.push(value)
        } else setOwn(known, use, value)
      }
      const cache = this.cache && slotFor(this.cache, spec.name, i)
      out.push(task(spec.fn, { names, cache, element: i, own }, known, ...values))
    }
    return out
  }

  /** Whether `use` (a field or a property) holds one value per element: a batched field or a per-element property. */
  private isPerElement(use: string): boolean {
    return this.state.definition.properties.get(use)?.perElement ?? this.batched.has(use)
  }

  private whole(spec: PropertySpec): Delayed {
    const task = wholeTask.with({ name: spec.name, ...spec.options })
    const uses = spec.uses ?? Object.keys(this.state.fields)
    const known: Record<string, unknown> = {}
    const names: string[] = []
    const stacked: boolean[] = []
    const values: unknown[] = []
    for (const use of uses) {
      const property = this.state.definition.properties.get(use)
      if (property === undefined) {
        setOwn(known, use, this.state.fields[use])
        continue
      }
      const node = this.node(use)
      const lazy = property.perElement
        ? Array.from(node as ArrayLike<unknown>).some((value) => isDelayed(value))
        : isDelayed(node)
      if (!lazy) {
        setOwn(known, use, property.perElement ? Array.from(node as ArrayLike<unknown>) : node)
        continue
      }
      names.push(use)
      stacked.push(property.perElement)
      values.push(node)
    }
    const cache = this.cache && slotFor(this.cache, spec.name)
    return task(spec.fn, { names, stacked, cache }, known, ...values)
  }
}

function checkNames(caller: string, state: ObjectState, names: unknown): string[] {
  const { properties } = state.definition
  if (!Array.isArray(names)) {
    throw new InvalidArgumentError({
      message: `${caller}: expected an array of property names such as ['${[...properties.keys()][0] ?? 'result'}'], got ${describeValue(names)}.`,
    })
  }
  for (const name of names as unknown[]) {
    if (typeof name === 'string' && properties.has(name)) continue
    const known = [...properties.keys()].join(', ')
    throw new InvalidArgumentError({
      message:
        typeof name === 'string' && Object.hasOwn(state.fields, name)
          ? `${caller}: "${name}" is a field of the object, not a property: it needs no computing. Request properties (${known}).`
          : `${caller}: the object has no property ${typeof name === 'string' ? `"${name}"` : describeValue(name)}. Its properties: ${known}.`,
    })
  }
  return [...new Set(names as string[])]
}
