import { InvalidOptionError, describeValue } from './errors.js'

/**
 * Refuses an options argument that is not an object, or that holds a name not in
 * `known`: a misspelt option would otherwise be ignored without a word. `hint` says where
 * options that do not belong here go.
 * @throws {InvalidOptionError} naming the call, the option and the known ones
 */
export function checkOptionNames(
  caller: string,
  options: unknown,
  known: Iterable<string>,
  hint?: string,
): asserts options is object {
  const names = [...known]
  const given = typeof options === 'object' && options !== null ? ownNames(options) : undefined
  if (given === undefined) {
    throw new InvalidOptionError({
      message: `${caller}: options must be an object with some of ${names.join(', ')}, got ${describeValue(options)}.`,
    })
  }
  for (const name of given) {
    if (!names.includes(name)) {
      throw new InvalidOptionError({
        message: `${caller}: unknown option ${JSON.stringify(name)}. Known options: ${names.join(', ')}${hint === undefined ? '' : `; ${hint}`}.`,
      })
    }
  }
}

/**
 * The names of `options`' own properties; `undefined` for an array, and for a revoked
 * Proxy, whose properties cannot be read (asking threw a bare `TypeError`).
 */
function ownNames(options: object): string[] | undefined {
  try {
    return Array.isArray(options) ? undefined : Object.keys(options)
  } catch {
    return undefined
  }
}
