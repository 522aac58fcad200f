import { InvalidOptionError, describeValue } from './errors.js'

/**
 * Refuses an options argument that is not an object, or that holds a name not in
 * `known`: a misspelt option would otherwise be ignored without a word.
 * @throws {InvalidOptionError} naming the call, the option and the known ones
 */
export function checkOptionNames(caller: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError({
      message: `${caller}: options must be an object with some of ${known.join(', ')}, got ${describeValue(options)}.`,
    })
  }
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      throw new InvalidOptionError({
        message: `${caller}: unknown option ${JSON.stringify(name)}. Known options: ${known.join(', ')}.`,
      })
    }
  }
}
