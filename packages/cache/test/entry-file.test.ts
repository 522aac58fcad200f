import { crc32 } from 'node:zlib'
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

// What one Node's V8 writes another's may not read (Node 22 and 24 cannot read an `Error`
// with a `cause` as Node 20 writes it): the entry that cannot be read says which Node
// stored it. Made here as the format has it, with a value no V8 reads.
test('an entry whose value cannot be read says so, and which Node stored it', () => {
  const key = 'k1'
  const payload = Buffer.from([0xff, 0x0f, 0xee, 0xee, 0xee])
  const header = Buffer.from(
    JSON.stringify({ task: 'a-1', name: 'a', storedAt: 0, parts: [5], node: 'v20.0.1' }),
  )
  const body = Buffer.concat([Buffer.alloc(4), header, payload])
  body.writeUInt32LE(header.byteLength, 0)
  const sum = Buffer.alloc(4)
  sum.writeUInt32LE(crc32(body, crc32(key)))
  const unpacked = unpackEntry(Buffer.concat([Buffer.from('TGC3'), sum, body]), key)
  expect(unpacked.ok).toBe(false)
  const { problem } = unpacked as { problem: string }
  expect(problem).toMatch(
    new RegExp(
      `^it cannot be read \\([^.]*[^.;]; stored by Node v20\\.0\\.1, read by Node ${process.version.replaceAll('.', '\\.')}, which cannot read every value that one writes\\)$`,
    ),
  )
})

test('an entry records the Node that stored it; one stored by this Node reads back', () => {
  const bytes = encodeEntry(new Error('e', { cause: 1 }), {
    task: 'a-1',
    name: 'a',
    storedAt: 0,
  }).pack('k1')
  expect(bytes.includes(`"node":"${process.version}"`)).toBe(true)
  const unpacked = unpackEntry(bytes, 'k1')
  expect(unpacked.ok && (unpacked.value as Error).cause).toBe(1)
})
