import {
  InvalidArgumentError,
  InvalidOptionError,
  NotCallableError,
  type AnyFunction,
  type TaskOptions,
} from '@taskgraph/core'
import {
  checkOptionNames,
  checkTaskOptions,
  describeValue,
  recordOrigin,
} from '@taskgraph/core/internal'
import { createObject } from './property-object.js'
import type { DefinitionData, PropertySpec } from './property-spec.js'
import type {
  BatchableField,
  ElementView,
  NewName,
  NoProperties,
  PropertyObject,
  PropertyTypes,
  PropertyValues,
  UsableName,
  WholeView,
  WithProperty,
} from './property-types.js'

/** Options of a property: what its function uses, and how its tasks run. */
export interface PropertyOptions<U extends readonly string[]> extends TaskOptions {
  /**
   * The fields and earlier properties the function sees; only these are computed for
   * it and sent to it.
   * @default every field, and no property
   */
  uses?: U
}

/** The first step of `properties<Fields>()`: which fields the batch runs over. */
export interface PropertiesStart<F extends object> {
  /**
   * Names the fields that hold one element per item of the batch (arrays or typed
   * arrays of one length): per-element properties see one element of each.
   */
  batch<B extends BatchableField<F>>(
    ...fields: [B, ...B[]]
  ): PropertiesDefinition<F, B, NoProperties, NoProperties>
}

const OPTION_NAMES: readonly string[] = ['uses', 'retries', 'retryDelay', 'timeout']

/**
 * Starts a definition of lazily computed properties of objects with fields `F` (ΦML's
 * dataclass with `@parallel_property`). Each step returns a new definition whose type
 * includes the new property, so every function sees exactly what it uses.
 *
 * Define properties in a module's top-level code: workers import that module to find
 * the functions again.
 *
 * @example
 * export const Normalized = properties<{ data: number[] }>()
 *   .batch('data')
 *   .parallel('individualResult', (x) => expensive(x.data))
 *   .whole('mean', { uses: ['individualResult'] }, (all) => mean(all.individualResult))
 *   .parallel('normalizedResult', { uses: ['individualResult', 'mean'] }, (x) => x.individualResult - x.mean)
 */
export function properties<F extends object>(): PropertiesStart<F> {
  const start: PropertiesStart<F> = {
    batch(...fields) {
      if (fields.length === 0) {
        throw new InvalidArgumentError({
          message:
            'properties().batch: name at least one field to split into elements, e.g. batch("data").',
        })
      }
      for (const field of fields) {
        if (typeof field !== 'string' || field === '') {
          throw new InvalidArgumentError({
            message: `properties().batch: field names must be non-empty strings, got ${describeValue(field)}.`,
          })
        }
      }
      return new PropertiesDefinition({
        batched: [...new Set(fields)],
        properties: new Map(),
        fieldUses: new Map(),
      })
    },
  }
  // The definition's steps, called on the start (from JavaScript, or past the types): each
  // says that batch comes first, rather than failing as a call of undefined.
  for (const step of ['parallel', 'whole', 'create']) {
    Object.defineProperty(start, step, { value: () => batchFirst(step) })
  }
  return start
}

function batchFirst(step: string): never {
  throw new InvalidArgumentError({
    message:
      `properties().${step}: call batch(...) first, naming the fields that hold one element per item of the batch, ` +
      `e.g. properties<{ data: number[] }>().batch("data").${step}(...).`,
  })
}

/**
 * Properties of objects with fields `F`, batched over the fields `B`: per-element
 * properties `P` (name → one element's value) and whole-batch properties `W`.
 * Immutable: `parallel` and `whole` return a new definition.
 */
export class PropertiesDefinition<
  F extends object,
  B extends string,
  P extends PropertyTypes,
  W extends PropertyTypes,
> {
  /** @internal */
  readonly _data: DefinitionData

  /** @internal Use `properties<Fields>().batch(...)`. */
  constructor(data: DefinitionData) {
    this._data = data
  }

  /**
   * A property evaluated once per element of the batch, in parallel on a pool executor;
   * the object holds the values stacked in an array. Without `uses`, the function sees
   * every field (one element of batched ones).
   */
  parallel<const N extends string, R>(
    name: NewName<N, UsableName<F, P, W>>,
    fn: (x: ElementView<F, B, P, W, keyof F & string>) => R,
  ): PropertiesDefinition<F, B, WithProperty<P, N, Awaited<R>>, W>
  /**
   * A property evaluated once per element of the batch, seeing only what `uses` names:
   * one element of batched fields and per-element properties, whole-batch properties
   * and other fields as they are.
   */
  parallel<
    const N extends string,
    const U extends readonly UsableName<F, P, W>[] = readonly (keyof F & string)[],
    R = unknown,
  >(
    name: NewName<N, UsableName<F, P, W>>,
    options: PropertyOptions<U>,
    fn: (x: ElementView<F, B, P, W, U[number]>) => R,
  ): PropertiesDefinition<F, B, WithProperty<P, N, Awaited<R>>, W>
  parallel(
    name: string,
    optionsOrFn: PropertyOptions<readonly string[]> | AnyFunction,
    fn?: AnyFunction,
  ): unknown {
    return this.add('parallel', true, name, optionsOrFn, fn)
  }

  /**
   * A property that needs the whole batch (ΦML's `requires=batch`, e.g. a mean): it runs
   * once, on the computing thread, and sees batched fields whole and each per-element
   * property as the array of its values. Without `uses`, it sees every field.
   */
  whole<const N extends string, R>(
    name: NewName<N, UsableName<F, P, W>>,
    fn: (all: WholeView<F, P, W, keyof F & string>) => R,
  ): PropertiesDefinition<F, B, P, WithProperty<W, N, Awaited<R>>>
  /** A whole-batch property seeing only what `uses` names. */
  whole<
    const N extends string,
    const U extends readonly UsableName<F, P, W>[] = readonly (keyof F & string)[],
    R = unknown,
  >(
    name: NewName<N, UsableName<F, P, W>>,
    options: PropertyOptions<U>,
    fn: (all: WholeView<F, P, W, U[number]>) => R,
  ): PropertiesDefinition<F, B, P, WithProperty<W, N, Awaited<R>>>
  whole(
    name: string,
    optionsOrFn: PropertyOptions<readonly string[]> | AnyFunction,
    fn?: AnyFunction,
  ): unknown {
    return this.add('whole', false, name, optionsOrFn, fn)
  }

  /**
   * An object with these fields, whose properties `parallelCompute` computes. Batched
   * fields must be arrays (or typed arrays) of one length.
   * @throws {InvalidArgumentError} when a batched field is missing, not an array, or of
   * another length than the others, a field (or a getter of its class) has a property's
   * name, or a field is keyed by a symbol
   */
  create(fields: F): PropertyObject<F, PropertyValues<P, W>> {
    return createObject(this._data, fields) as PropertyObject<F, PropertyValues<P, W>>
  }

  private add(
    method: 'parallel' | 'whole',
    perElement: boolean,
    name: string,
    optionsOrFn: PropertyOptions<readonly string[]> | AnyFunction,
    maybeFn: AnyFunction | undefined,
  ): PropertiesDefinition<F, B, PropertyTypes, PropertyTypes> {
    const caller = `PropertiesDefinition#${method}`
    const data = this._data
    const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn
    const options = typeof optionsOrFn === 'function' ? {} : optionsOrFn
    checkName(caller, name, data)
    if (typeof fn !== 'function') {
      throw new NotCallableError({
        message: `${caller}: property "${name}" needs a function computing it, got ${describeValue(fn)}.`,
      })
    }
    const uses = checkOptions(caller, name, options)
    // Made while the defining module's top-level code runs, the function can be found
    // again by a worker that imports that module.
    recordOrigin(fn)
    const { retries, retryDelay, timeout } = options
    const spec: PropertySpec = {
      name,
      perElement,
      fn,
      uses,
      options: { retries, retryDelay, timeout },
    }
    const fieldUses = new Map(data.fieldUses)
    for (const use of uses ?? []) {
      if (!data.properties.has(use) && !fieldUses.has(use)) fieldUses.set(use, name)
    }
    return new PropertiesDefinition({
      batched: data.batched,
      properties: new Map([...data.properties, [name, spec]]),
      fieldUses,
    })
  }
}

function checkName(caller: string, name: unknown, data: DefinitionData): void {
  if (typeof name !== 'string' || name === '') {
    throw new InvalidArgumentError({
      message: `${caller}: a property name must be a non-empty string, got ${describeValue(name)}.`,
    })
  }
  // `await` and promise resolution read `then` of what they are given: an object with
  // it would be taken for a promise, reading a property not computed yet.
  if (name === 'then') {
    throw new InvalidArgumentError({
      message: `${caller}: a property cannot be named "then": await reads "then" of the object (parallelCompute resolves with it), taking it for a promise. Give the property another name.`,
    })
  }
  if (data.properties.has(name)) {
    throw new InvalidArgumentError({
      message: `${caller}: property "${name}" is already defined. Give the new property another name.`,
    })
  }
  if (data.batched.includes(name)) {
    throw new InvalidArgumentError({
      message: `${caller}: "${name}" is a batched field, so it cannot be a property too. Give the property another name.`,
    })
  }
  const user = data.fieldUses.get(name)
  if (user !== undefined) {
    throw new InvalidArgumentError({
      message:
        `${caller}: property "${user}" uses "${name}" as a field, so it cannot be a property defined after it. ` +
        `A property uses only properties defined before it: define "${name}" before "${user}", or rename the field.`,
    })
  }
}

function checkOptions(
  caller: string,
  name: string,
  options: unknown,
): readonly string[] | undefined {
  checkOptionNames(`${caller}: property "${name}"`, options, OPTION_NAMES)
  checkTaskOptions(caller, options)
  const { uses } = options as { uses?: unknown }
  if (uses === undefined) return undefined
  if (!Array.isArray(uses) || uses.some((use) => typeof use !== 'string' || use === '')) {
    throw new InvalidOptionError({
      message: `${caller}: option "uses" of property "${name}" must be an array of field and property names, got ${describeValue(uses)}.`,
    })
  }
  if (uses.includes(name)) {
    throw new InvalidOptionError({
      message: `${caller}: property "${name}" uses itself. A property uses fields and properties defined before it.`,
    })
  }
  // A name that is not a property defined before is a field: `create` checks the object has it.
  return [...new Set(uses as string[])]
}
