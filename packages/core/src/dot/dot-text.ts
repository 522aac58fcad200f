// The pieces of DOT text toDot writes: quoted ids and strings, attribute lists.

/** A DOT double-quoted string: any key or label is safe inside. */
export function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}

/** `[a=1, b="x"]` from attributes given in order; values are written as given. */
export function attributes(pairs: readonly (readonly [string, string])[]): string {
  return `[${pairs.map(([name, value]) => `${name}=${value}`).join(', ')}]`
}
