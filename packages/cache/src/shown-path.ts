import { isAbsolute, relative } from 'node:path'

/** `path` from the working directory, if it lies under it: as messages name a file. */
export function shown(path: string): string {
  const inside = relative(process.cwd(), path)
  return inside.startsWith('..') || isAbsolute(inside) ? path : inside
}
