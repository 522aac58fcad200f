import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { fileInTheWay, fileInTheWayText } from '../src/internal.js'

const scratch = mkdtempSync(join(tmpdir(), 'taskgraph-in-the-way-'))
const file = join(scratch, 'file')
writeFileSync(file, 'x')
mkdirSync(join(scratch, 'dir', 'sub'), { recursive: true })
symlinkSync(file, join(scratch, 'link-to-file'))
symlinkSync(join(scratch, 'dir'), join(scratch, 'link-to-dir'))
symlinkSync(join(scratch, 'gone'), join(scratch, 'dangling'))
execFileSync('mkfifo', [join(scratch, 'pipe')])

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

test.each([
  ['the path itself', 'file', 'file'],
  ['a file two levels above', 'file/a/b', 'file'],
  ['a link to a file, as the file it names', 'link-to-file/a', 'link-to-file'],
  ['a named pipe', 'pipe', 'pipe'],
])('a file in the way: %s', (_, path, blocking) => {
  expect(fileInTheWay(join(scratch, path))).toBe(join(scratch, blocking))
})

test.each([
  ['a directory', 'dir'],
  ['a path missing under directories', 'dir/sub/missing/deeper'],
  ['a link to a directory', 'link-to-dir/sub'],
  ['a dangling link, made where it points once used', 'dangling/a'],
  ['the root', '/'],
])('nothing in the way: %s', (_, path) => {
  expect(fileInTheWay(path === '/' ? '/' : join(scratch, path))).toBeUndefined()
})

test('a relative path is taken from the working directory, and the file named absolute', () => {
  const path = relative(process.cwd(), join(scratch, 'file', 'a'))
  expect(fileInTheWay(path)).toBe(file)
})

test('the text names the file as the path is given, or says "it" when it is the path', () => {
  expect(fileInTheWayText(file, file)).toBe('it is a file')
  expect(fileInTheWayText(join(file, 'a'), file)).toBe(`${file} is a file`)
  const given = relative(process.cwd(), join(file, 'a'))
  expect(fileInTheWayText(given, file)).toBe(`${relative(process.cwd(), file)} is a file`)
  expect(fileInTheWayText(relative(process.cwd(), file), file)).toBe('it is a file')
})
