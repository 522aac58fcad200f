/**
 * What each file of a linked package held when last read, by path: the size,
 * modification and status change times and inode it had then, the hash of its bytes, the bare specifiers its code
 * imports (packages), and the relative ones (files). Kept between runs (in the cache's directory, as
 * `file-hashes.json`), so that an unchanged workspace package is not read again to be
 * fingerprinted.
 */
export type FileHashMemo = Map<string, MemoizedFile>

export type MemoizedFile = readonly [
  size: number,
  mtimeMs: number,
  ctimeMs: number,
  ino: number,
  hash: string,
  packages: readonly string[],
  files: readonly string[],
]

/** The memo kept as `text` (by `fileHashesText`); empty if damaged or missing. */
export function parseFileHashes(text: string): FileHashMemo {
  const memo: FileHashMemo = new Map()
  let entries: unknown
  try {
    entries = JSON.parse(text)
  } catch {
    // Damaged or missing: the files are read again, and the memo written anew.
    return memo
  }
  if (!Array.isArray(entries)) return memo
  // A row of another form (one kept before the imports, or the inode, were) is read again.
  for (const entry of entries) {
    if (isMemoEntry(entry)) {
      const [path, ...file] = entry
      memo.set(path, file)
    }
  }
  return memo
}

/**
 * `memo` as kept on disk: `[path, size, mtimeMs, ctimeMs, ino, hash, packages, files]`
 * rows in JSON.
 */
export function fileHashesText(memo: FileHashMemo): string {
  return JSON.stringify([...memo].map(([path, file]) => [path, ...file]))
}

function isMemoEntry(
  entry: unknown,
): entry is [string, number, number, number, number, string, string[], string[]] {
  return (
    Array.isArray(entry) &&
    entry.length === 8 &&
    typeof entry[0] === 'string' &&
    [1, 2, 3, 4].every((i) => typeof entry[i] === 'number') &&
    typeof entry[5] === 'string' &&
    isStrings(entry[6]) &&
    isStrings(entry[7])
  )
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}
