import { describe, expect, test } from 'vitest'
import { moduleInRoot, moduleURL } from '../src/wire/module-paths.js'

// Module paths from the queue (and from workers' replies) name files inside the project
// root, however they are written: nothing outside it is ever imported by them.
describe('module paths', () => {
  const root = '/srv/project'

  test('a path inside the root, and back', () => {
    expect(moduleURL(root, 'src/flow.ts')).toBe('file:///srv/project/src/flow.ts')
    expect(moduleInRoot(root, 'file:///srv/project/src/flow.ts')).toBe('src/flow.ts')
  })

  test.each([
    '',
    '/etc/passwd',
    '../outside.ts',
    'src/../../outside.ts',
    'node:child_process',
    'data:text/javascript,0',
    'C:\\\\evil.js',
    'a\u0000b.js',
  ])('refuses %j', (module) => {
    expect(moduleURL(root, module)).toBeUndefined()
  })

  test('a module outside the root has no path in it', () => {
    expect(moduleInRoot(root, 'file:///srv/other/flow.ts')).toBeUndefined()
    expect(moduleInRoot(root, 'node:fs')).toBeUndefined()
  })
})
