/**
 * The hash of each file of a linked package as last read, with the size and modification
 * time the file had then, by path: kept between runs (in the cache's directory, as
 * `file-hashes.json`), so that an unchanged workspace package is not read again to be
 * fingerprinted.
 */
export type FileHashMemo = Map<string, readonly [size: number, mtimeMs: number, hash: string]>

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
  for (const entry of entries)
    if (isMemoEntry(entry)) memo.set(entry[0], [entry[1], entry[2], entry[3]])
  return memo
}

/** `memo` as kept on disk: `[path, size, mtimeMs, hash]` rows in JSON. */
export function fileHashesText(memo: FileHashMemo): string {
  return JSON.stringify(
    [...memo].map(([path, [size, mtimeMs, hash]]) => [path, size, mtimeMs, hash]),
  )
}

function isMemoEntry(entry: unknown): entry is [string, number, number, string] {
  return (
    Array.isArray(entry) &&
    entry.length === 4 &&
    typeof entry[0] === 'string' &&
    typeof entry[1] === 'number' &&
    typeof entry[2] === 'number' &&
    typeof entry[3] === 'string'
  )
}
