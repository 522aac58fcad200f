/** A thrown value in a few words, for messages: `Name: message`, or its text. */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
