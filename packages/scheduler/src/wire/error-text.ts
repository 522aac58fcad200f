import { describeValue } from '@taskgraph/core/internal'

/**
 * A thrown value in a few words, for messages: `Name: message`, or its text. Never
 * throws: a value whose text cannot be read (a getter or a `toString` that throws, an
 * object without a prototype) is described by its type instead.
 */
export function errorText(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  } catch {
    return describeValue(error)
  }
}
