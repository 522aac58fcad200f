import { describe, expect, test } from 'vitest'
import { dataRef, hashToken, keyOfRef, refOf, taskRef, taskRefStart } from '../src/content-key.js'

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

describe('taskRef and dataRef', () => {
  test('a token in pieces has the key of the whole token, made without joining them', () => {
    const start = taskRefStart('f')
    const pieces = Array.from({ length: 4 }, (_, i) => `[${'d70:x,'.repeat(1500)}${i}`)
    expect(keyOfRef(taskRef(start, pieces))).toBe(hashToken(`task\0f\0${pieces.join('')}`))
    expect(keyOfRef(dataRef(pieces))).toBe(hashToken(`data\0${pieces.join('')}`))
    // One piece, short or long, as before pieces.
    expect(taskRef(start, ['[n1;,]'])).toBe(refOf('task\0f\0[n1;,]'))
    expect(taskRef(start, [pieces[0]!])).toBe(refOf(`task\0f\0${pieces[0]!}`))
    expect(dataRef(['[n1;,]'])).toBe(refOf('data\0[n1;,]'))
  })
})
