import { InvalidArgumentError } from '@taskgraph/core'
import { describeValue, errorText } from '@taskgraph/core/internal'
import { NotComputedError } from './not-computed-error.js'
import type { DefinitionData } from './property-spec.js'

/** What an object made by `create` is made of, kept away from its own properties. */
export interface ObjectState {
  readonly definition: DefinitionData
  /** The fields as given to `create`. */
  readonly fields: Readonly<Record<string, unknown>>
  /** Elements in the batch. */
  readonly length: number
}

const states = new WeakMap<object, ObjectState>()
/** Per definition: the prototype whose getters report properties read before computing. */
const prototypes = new WeakMap<DefinitionData, object>()

/**
 * An object holding `fields` as read-only own properties. Computed properties become
 * own properties too; reading one that is not there reaches the prototype, which throws
 * a `NotComputedError`.
 */
export function createObject(definition: DefinitionData, fields: unknown): object {
  const caller = 'PropertiesDefinition#create'
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new InvalidArgumentError({
      message: `${caller}: expected an object of fields such as { data: [1, 2, 3] }, got ${describeValue(fields)}.`,
    })
  }
  const given = copyFields(caller, fields as Record<string, unknown>)
  checkNoSymbolKeys(caller, given)
  checkNotInherited(caller, fields, given, [...definition.batched, ...definition.fieldUses.keys()])
  const length = batchLength(caller, definition, given)
  checkNotNamedLikeProperty(caller, fields, given, definition)
  for (const [field, user] of definition.fieldUses) {
    if (!Object.hasOwn(given, field)) {
      throw new InvalidArgumentError({
        message:
          `${caller}: property "${user}" uses "${field}", which is neither a field given here nor a property defined before it. ` +
          `Give a field "${field}", or fix the uses of "${user}".`,
      })
    }
  }
  const object = Object.create(prototypeOf(definition)) as object
  for (const [name, value] of Object.entries(given)) {
    Object.defineProperty(object, name, { value, enumerable: true, writable: false })
  }
  states.set(object, { definition, fields: given, length })
  return object
}

/** The state of an object made by `create`. */
export function stateOf(caller: string, object: unknown): ObjectState {
  const state = typeof object === 'object' && object !== null ? states.get(object) : undefined
  if (state === undefined) {
    throw new InvalidArgumentError({
      message:
        `${caller}: expected an object made by definition.create(fields), got ${describeValue(object)}. ` +
        'Make it with the create() method of a definition from properties().',
    })
  }
  return state
}

/** The value of property `name` if the object holds it (computed by an earlier run). */
export function heldValue(object: object, name: string): { value: unknown } | undefined {
  const own = Object.getOwnPropertyDescriptor(object, name)
  return own === undefined ? undefined : { value: own.value as unknown }
}

/**
 * Checks, before anything runs, that the object can take the values of `names` it does
 * not hold yet: a frozen, sealed or non-extensible one cannot.
 */
export function checkCanHold(caller: string, object: object, names: readonly string[]): void {
  if (Object.isExtensible(object)) return
  const missing = names.find((name) => heldValue(object, name) === undefined)
  if (missing === undefined) return
  throw new InvalidArgumentError({
    message:
      `${caller}: the object is frozen, sealed or not extensible, so it cannot hold property "${missing}" once computed. ` +
      'Freeze it after computing its properties, or use delayedProperties(object, names), which leaves the object as it is.',
  })
}

/**
 * Stores computed values on the object, as read-only own properties. Values it held
 * already were used as they are, and stay: a frozen object cannot take them again.
 */
export function holdValues(object: object, values: Readonly<Record<string, unknown>>): void {
  for (const [name, value] of Object.entries(values)) {
    if (heldValue(object, name) !== undefined) continue
    Object.defineProperty(object, name, {
      value,
      enumerable: true,
      writable: false,
      configurable: true,
    })
  }
}

/** The fields as own data; a getter that throws is the caller's error, not a bare one from inside. */
function copyFields(caller: string, fields: Record<string, unknown>): Record<string, unknown> {
  try {
    return { ...fields }
  } catch (error) {
    throw new InvalidArgumentError({
      message:
        `${caller}: reading a field of the object given threw (${errorText(error)}). ` +
        'Give the fields as plain data, e.g. { data: [1, 2, 3] }, read beforehand.',
      cause: error,
    })
  }
}

/**
 * Fields are named: property functions see them by name (`uses`, or every field), and a
 * symbol-keyed one could not reach them in a worker, whose copy of the values drops it.
 */
function checkNoSymbolKeys(caller: string, given: object): void {
  const [symbol] = Object.getOwnPropertySymbols(given)
  if (symbol === undefined) return
  throw new InvalidArgumentError({
    message:
      `${caller}: the object given has a field keyed by a symbol (${String(symbol)}), and fields must have string names: ` +
      'property functions see fields by name, and a worker cannot receive a symbol-keyed one. ' +
      'Give that field a string name, or leave it out of the fields.',
  })
}

/**
 * Fields are the object's own properties: one it has only through its prototype (a getter
 * of its class, say) is not copied, and would be reported as missing.
 */
function checkNotInherited(
  caller: string,
  fields: object,
  given: Record<string, unknown>,
  names: readonly string[],
): void {
  for (const name of names) {
    if (Object.hasOwn(given, name) || inheritedFrom(fields, name) === undefined) continue
    throw new InvalidArgumentError({
      message:
        `${caller}: field "${name}" of the object given comes from its prototype${classOf(fields)}, ` +
        `and only its own properties are read as fields. Give the fields as a plain object, e.g. { ${name}: object.${name} }.`,
    })
  }
}

/**
 * A field named like a property is refused, whether the object has it as its own or
 * through a getter of its class: either way the property would be computed in its place.
 */
function checkNotNamedLikeProperty(
  caller: string,
  fields: object,
  given: Record<string, unknown>,
  definition: DefinitionData,
): void {
  for (const name of definition.properties.keys()) {
    if (Object.hasOwn(given, name)) {
      throw new InvalidArgumentError({
        message: `${caller}: field "${name}" has the name of a property. Rename the field or the property.`,
      })
    }
    if (inheritedFrom(fields, name)?.get === undefined) continue
    throw new InvalidArgumentError({
      message:
        `${caller}: field "${name}" has the name of a property: the object given has it as a getter of its prototype${classOf(fields)}, ` +
        'which the property would be computed in place of. Rename the getter or the property.',
    })
  }
}

/** How `name` is defined on a prototype of `fields`, short of `Object.prototype`. */
function inheritedFrom(fields: object, name: string): PropertyDescriptor | undefined {
  for (
    let p = Object.getPrototypeOf(fields) as object | null;
    p !== null && p !== Object.prototype;
    p = Object.getPrototypeOf(p) as object | null
  ) {
    const descriptor = Object.getOwnPropertyDescriptor(p, name)
    if (descriptor !== undefined) return descriptor
  }
  return undefined
}

/** ` (class Name)` for a class instance, to follow "its prototype"; else nothing. */
function classOf(fields: object): string {
  const owner = (fields as { constructor?: { name?: unknown } }).constructor?.name
  return typeof owner === 'string' && owner !== '' ? ` (class ${owner})` : ''
}

function batchLength(
  caller: string,
  definition: DefinitionData,
  fields: Record<string, unknown>,
): number {
  let length: number | undefined
  let first = ''
  for (const name of definition.batched) {
    const value = fields[name]
    if (!Object.hasOwn(fields, name) || !isBatch(value)) {
      throw new InvalidArgumentError({
        message:
          `${caller}: batched field "${name}" must be an array or typed array with one element per item of the batch, ` +
          `got ${Object.hasOwn(fields, name) ? describeValue(value) : 'no such field'}.`,
      })
    }
    if (length === undefined) {
      length = value.length
      first = name
    } else if (value.length !== length) {
      throw new InvalidArgumentError({
        message:
          `${caller}: batched fields differ in length: "${first}" has ${length} elements, "${name}" has ${value.length}. ` +
          'Give every batched field one element per item of the batch.',
      })
    }
  }
  return length ?? 0
}

function isBatch(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))
}

function prototypeOf(definition: DefinitionData): object {
  let prototype = prototypes.get(definition)
  if (prototype === undefined) {
    const getters: PropertyDescriptorMap = {}
    for (const name of definition.properties.keys()) {
      getters[name] = {
        get(): never {
          throw new NotComputedError(name)
        },
      }
    }
    prototype = Object.create(Object.prototype, getters) as object
    prototypes.set(definition, prototype)
  }
  return prototype
}
