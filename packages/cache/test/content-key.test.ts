import { describe, expect, test } from 'vitest'
import { hashToken, keyOfRef, refOf } from '../src/content-key.js'

describe('refOf and keyOfRef', () => {
  test('a key is the hash of the token, short or long, however it is referred to', () => {
    const short = 'task\0f\0[n1;,]'
    const long = `data\0${'x'.repeat(500)}`
    expect(keyOfRef(refOf(short))).toBe(hashToken(short))
    expect(hashToken(short)).toMatch(/^[0-9a-f]{64}$/)
    expect(keyOfRef(refOf(long))).toBe(hashToken(long))
    expect(keyOfRef(refOf('task\0f\0[n2;,]'))).not.toBe(hashToken(short))
  })

  test('a dependent holds a short token as itself and a long one by its key', () => {
    expect(refOf('task\0f\0[n1;,]')).toBe('ttask\0f\0[n1;,]')
    const long = `data\0${'x'.repeat(500)}`
    expect(refOf(long)).toBe(`k${hashToken(long)}`)
  })
})
