/** Longest error message a trace event carries: a trace of many failures stays openable. */
const MAX_LENGTH = 2000

/**
 * What a task threw, as one line of text for a trace. A task may throw anything: an
 * `Error`, an error object rebuilt from a worker (a plain object with a `message`), a
 * string, `undefined`, a cyclic object, an object whose `toString` throws or that has
 * none. This never throws and always gives a string.
 */
export function errorMessage(error: unknown): string {
  let message: string
  try {
    message = describe(error)
  } catch {
    message = 'an error that cannot be printed'
  }
  return message.length > MAX_LENGTH ? `${message.slice(0, MAX_LENGTH - 1)}…` : message
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { name, message } = error as { name?: unknown; message?: unknown }
    if (typeof message === 'string') {
      return typeof name === 'string' && name !== '' && name !== 'Error'
        ? `${name}: ${message}`
        : message
    }
  }
  return String(error)
}
