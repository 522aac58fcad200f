import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { declarationForms } from '../src/declaration-forms.js'

// `found` scans for the name and judges each occurrence by the text around it. The forms
// it looks for are defined here as regular expressions, the plainest statement of them:
// the scan must find every offset they match (a form missed could key a function by a
// module that does not decide it), and, but for an occurrence a match's text overlaps,
// no other.

/** The forms of `name` as regular expressions, which match where the name stands in one. */
function patterns(name: string, flags = ''): RegExp[] {
  const id = name.replace(/\$/g, '\\$')
  return [
    new RegExp(
      `\\bfunction\\b\\s*\\*?\\s*(?<name>${id})\\s*[(<]|\\b(?:const|let|var|class)\\s+(?<name2>${id})\\b`,
      `dgu${flags}`,
    ),
    new RegExp(`(?:^|[^\\p{L}\\p{N}_$.])(?<name>${id})\\s*\\??\\s*[:=](?!=)`, `dgmu${flags}`),
    new RegExp(
      `(?:^[ \\t]*|[{};,*]\\s*|\\b(?:static|async|get|set|public|private|protected|override)\\s+)(?<name>${id})\\s*[(<]`,
      `dgmu${flags}`,
    ),
    new RegExp(`(?<q>['"\`])(?<name>${id})\\k<q>`, `dgu${flags}`),
  ]
}

/** Where the name a match stands for starts. */
function nameAt(match: RegExpExecArray | RegExpMatchArray): number {
  const groups = match.indices!.groups!
  return (groups['name'] ?? groups['name2'])![0]
}

/** The offsets of `name` the patterns match, searched as a whole. */
function foundByPatterns(name: string, source: string): number[] {
  const offsets = new Set<number>()
  for (const pattern of patterns(name)) {
    for (const match of source.matchAll(pattern)) offsets.add(nameAt(match))
  }
  return [...offsets].sort((a, b) => a - b)
}

/**
 * The offsets of `name` some pattern matches when tried at each start before it: what
 * a search as a whole finds, and the occurrences a match before them took text of.
 */
function foundOneByOne(name: string, source: string): number[] {
  const sticky = patterns(name, 'y')
  const offsets: number[] = []
  for (let at = source.indexOf(name); at !== -1; at = source.indexOf(name, at + 1)) {
    const matches = (pattern: RegExp) => {
      for (let start = at; start >= Math.max(0, at - 200); start--) {
        pattern.lastIndex = start
        const match = pattern.exec(source)
        if (match !== null && nameAt(match) === at) return true
      }
      return false
    }
    if (sticky.some(matches)) offsets.push(at)
  }
  return offsets
}

/**
 * The TypeScript sources of the repository's packages: their `src` directories alone,
 * where nothing else writes. The CLI's suite, run beside this one, makes and removes
 * directories under its test fixtures, which a walk of the whole tree met half gone.
 */
function sources(): string[] {
  const root = join(import.meta.dirname, '../../..')
  const files: string[] = []
  for (const top of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, top))) {
      const src = join(root, top, name, 'src')
      if (!existsSync(src)) continue
      for (const entry of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
        if (entry.endsWith('.ts')) files.push(join(src, entry))
      }
    }
  }
  return files
}

describe('declarationForms', () => {
  test('finds what the patterns find in this repository’s sources, for names in them', () => {
    let compared = 0
    for (const file of sources()) {
      const source = readFileSync(file, 'utf8')
      // 8 names of each file, from all through it (each costs the patterns' compiling).
      const all = [...new Set(source.match(/[A-Za-z_$][\w$]*/g))]
      const names = all.filter((_, i) => i % Math.ceil(all.length / 8) === 0)
      for (const name of names) {
        const found = declarationForms(name).found(source)
        const expected = foundByPatterns(name, source)
        // Equal, unless a match's text took an occurrence's: then tried one by one.
        if (found.join() !== expected.join()) {
          expect(found, `${name} in ${file}`).toEqual(foundOneByOne(name, source))
          expect(found).toEqual(expect.arrayContaining(expected))
        }
        compared++
      }
    }
    expect(compared).toBeGreaterThan(1_500)
  })

  test('finds what the patterns find in text made of the forms’ pieces', () => {
    const pieces = [
      'fn',
      'fn',
      'fn',
      'xfn',
      '$fn',
      'fn2',
      'function',
      'function*',
      'const',
      'class',
      'static',
      'async',
      'get',
      ' ',
      ' ',
      '  ',
      '\t',
      '\n',
      '\r\n',
      '\u00a0',
      '\u2028',
      '*',
      '(',
      '<',
      ':',
      '?',
      '=',
      '==',
      '{',
      '}',
      ';',
      ',',
      '.',
      "'",
      '"',
      '`',
      'é',
      '𝑥',
      '\ud835',
      '$',
      '_',
      '9',
    ]
    // A fixed sequence of choices (a linear congruential generator), so a failure repeats.
    let seed = 12345
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    for (let round = 0; round < 20_000; round++) {
      const length = 1 + next(12)
      let source = ''
      for (let i = 0; i < length; i++) source += pieces[next(pieces.length)]
      const found = declarationForms('fn').found(source)
      expect(found, JSON.stringify(source)).toEqual(foundOneByOne('fn', source))
      expect(found).toEqual(expect.arrayContaining(foundByPatterns('fn', source)))
    }
  })

  test('a name after a letter of another script is part of a longer name', () => {
    const forms = declarationForms('fn')
    expect(forms.found('éfn: 1')).toEqual([])
    expect(forms.found('𝑥fn: 1')).toEqual([])
    // A lone surrogate is no letter.
    expect(forms.found('\udc00fn: 1')).toEqual([1])
    expect(forms.found('\u00a0fn: 1')).toEqual([1])
  })
})
