import { opendirSync } from 'node:fs'

/**
 * What the file system says (ENOTDIR) when `path`, a cache's directory, is a file or lies
 * under one; `undefined` if it is a directory, is missing (made when results are stored),
 * or cannot be opened for another reason (which using it then tells).
 */
export function notADirectory(path: string): NodeJS.ErrnoException | undefined {
  try {
    opendirSync(path).closeSync()
    return undefined
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOTDIR'
      ? (error as NodeJS.ErrnoException)
      : undefined
  }
}
