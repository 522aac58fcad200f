import { describe, expect, test } from 'vitest'
import {
  dataRef,
  hashToken,
  keyOf,
  portableRef,
  refOf,
  taskRef,
  taskRefStart,
} from '../src/content-key.js'

describe('refOf', () => {
  test('a dependent holds a short token as itself and a long one by its hash', () => {
    expect(refOf('task\0f\0[n1;,]')).toBe('ttask\0f\0[n1;,]')
    const long = `data\0${'x'.repeat(500)}`
    expect(refOf(long)).toBe(`k${hashToken(long)}`)
    expect(hashToken(long)).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('keyOf', () => {
  test('a key covers the ref and the function set, and nothing else', () => {
    const ref = refOf('task\0f\0[n1;,]')
    const key = keyOf(ref, 'a=1')
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    expect(keyOf(refOf('task\0f\0[n1;,]'), 'a=1')).toBe(key)
    expect(keyOf(refOf('task\0f\0[n2;,]'), 'a=1')).not.toBe(key)
    expect(keyOf(ref, 'a=2')).not.toBe(key)
    expect(keyOf(ref, '')).not.toBe(key)
    // A portable key and a token that read alike are different refs.
    expect(keyOf(portableRef('task\0f\0[n1;,]'), 'a=1')).not.toBe(key)
  })
})

describe('taskRef and dataRef', () => {
  test('a token in pieces has the ref of the whole token, made without joining them', () => {
    const start = taskRefStart('f')
    const pieces = Array.from({ length: 4 }, (_, i) => `[${'d70:x,'.repeat(1500)}${i}`)
    expect(taskRef(start, pieces)).toBe(refOf(`task\0f\0${pieces.join('')}`))
    expect(dataRef(pieces)).toBe(refOf(`data\0${pieces.join('')}`))
    // One piece, short or long, as before pieces.
    expect(taskRef(start, ['[n1;,]'])).toBe(refOf('task\0f\0[n1;,]'))
    expect(taskRef(start, [pieces[0]!])).toBe(refOf(`task\0f\0${pieces[0]!}`))
    expect(dataRef(['[n1;,]'])).toBe(refOf('data\0[n1;,]'))
  })
})
