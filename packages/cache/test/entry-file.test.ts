import { expect, test } from 'vitest'
import { encodeEntry, unpackEntry } from '../src/entry-file.js'

// A run weighs a result by its entry's size before deciding to keep it: the size comes
// before the bytes (a big result not worth keeping is never copied), and is theirs.
test("an entry's size is known before its bytes are put together, and is their size", () => {
  const value = {
    samples: new Float64Array(1000).fill(0.5),
    raw: new Uint8Array([1, 2, 3]).buffer,
    seen: new Map([['a', new Set([1n])]]),
  }
  const entry = encodeEntry(value, { task: 'sample-1', name: 'sample', storedAt: 0 })
  const bytes = entry.pack('k1')
  expect(bytes.byteLength).toBe(entry.byteLength)
  expect(entry.byteLength).toBeGreaterThan(8000 + 3)
  expect(unpackEntry(bytes, 'k1')).toEqual({
    ok: true,
    value,
    info: { task: 'sample-1', name: 'sample', storedAt: 0 },
  })
})

// An index line is a key and a place: one naming another entry's place must not give
// that entry's value for this key.
test('an entry read for another key than it was stored under is not believed', () => {
  const bytes = encodeEntry('a value', { task: 'a-1', name: 'a', storedAt: 0 }).pack('k1')
  expect(unpackEntry(bytes, 'k2')).toEqual({
    ok: false,
    problem: 'its checksum does not match its content (or its key)',
  })
})
