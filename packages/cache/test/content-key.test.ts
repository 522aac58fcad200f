import { describe, expect, test } from 'vitest'
import { hashToken, KeyedKey, StoredKey } from '../src/content-key.js'

describe('ContentKey', () => {
  test('a key is the SHA-256 of its token, however its dependents refer to it', () => {
    const short = new KeyedKey('task\0f\0[n1;,]')
    const long = new StoredKey(`data\0${'x'.repeat(500)}`, 'fn-id')
    expect(short.key).toBe(hashToken('task\0f\0[n1;,]'))
    expect(short.key).toMatch(/^[0-9a-f]{64}$/)
    expect(long.key).toBe(hashToken(`data\0${'x'.repeat(500)}`))
    expect(new KeyedKey('task\0f\0[n1;,]').key).toBe(short.key)
    expect(new KeyedKey('task\0f\0[n2;,]').key).not.toBe(short.key)
  })

  test('a short token stands in its dependents as itself, a long one by its key', () => {
    expect(new KeyedKey('task\0f\0[n1;,]').ref).toBe('ttask\0f\0[n1;,]')
    const long = new KeyedKey(`data\0${'x'.repeat(500)}`)
    expect(long.ref).toBe(`k${long.key}`)
  })
})
