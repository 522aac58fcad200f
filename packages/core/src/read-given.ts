import { errorText, InvalidArgumentError } from './errors.js'

/**
 * `read()`, which reads what a call was given (runs its iterator or generator, calls its
 * getters): what that throws is reported as the call's `InvalidArgumentError`, with the
 * error as `cause`, not as a bare error from inside taskgraph. `what`: "the items".
 */
export function readGiven<T>(caller: string, what: string, read: () => T): T {
  try {
    return read()
  } catch (error) {
    throw new InvalidArgumentError({
      message:
        `${caller}: reading ${what} threw (${errorText(error)}), before anything ran. ` +
        `Give ${what} as data that can be read, e.g. an array read beforehand.`,
      cause: error,
    })
  }
}
