// The code blocks of a markdown page, as programs to run. Every ```ts (or ```js) block
// runs by default; an HTML comment right before a block, invisible on the rendered
// page, says otherwise:
//
//   <!-- snippet: skip <why> -->           not run: a fragment, or wrong on purpose
//   <!-- snippet: excerpt <path> -->       lines taken from a file of the repository,
//                                          checked to be there, in order
//   <!-- snippet: continues -->            runs as the rest of the block before it
//   <!-- snippet: stderr <why> -->         may write to stderr (a program must not,
//                                          or it would hide a warning)
//   <!-- snippet: setup                    code run first, unseen by the reader
//   const total = ...
//   -->
//
// and anywhere on the page, a module the blocks import but the page does not show,
// written out or copied from a file of the repository:
//
//   <!-- snippet: file lib/clean.ts
//   export const clean = (text: string) => text.trim()
//   -->
//   <!-- snippet: file pi-math.ts examples/pi.ts -->
//
// A block whose first line is a comment naming a file (`// tokenizer.ts`, or
// `// tasks.ts: what it holds`) is written under that name, so the page's other blocks
// can import it.

/** Lines of code, and the line of the page the first of them comes from. */
export interface Part {
  readonly code: string
  readonly line: number
}

/** What a page's blocks make: one file to write and run, from one block or several. */
export interface Program {
  readonly file: string
  /** The line of the page where its first shown block starts. */
  readonly line: number
  readonly parts: Part[]
  /** Why it writes to stderr, if it is meant to. */
  stderr?: string
}

/** A block the page says is copied from a file of the repository. */
export interface Excerpt {
  readonly path: string
  readonly line: number
  readonly code: string
}

/** A module written beside the programs, not run by itself. */
export interface HiddenFile {
  readonly file: string
  /** Its code, or the path of the repository's file to copy. */
  readonly source: Part | { readonly path: string }
}

export interface Page {
  readonly programs: Program[]
  readonly files: HiddenFile[]
  readonly excerpts: Excerpt[]
  /** Lines of the blocks that are not run, with the reason the page gives. */
  readonly skipped: { readonly line: number; readonly reason: string }[]
}

const CODE_LANGUAGES = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs', 'mts'])
const BLOCK_DIRECTIVES = new Set(['skip', 'excerpt', 'continues', 'setup', 'stderr'])
const NAMED_FILE = /^\/\/\s*([\w./-]+\.(?:ts|mts|js|mjs))(?::.*)?$/

interface Directive {
  readonly kind: string
  readonly argument: string
  readonly body: Part
}

/** Reads the code blocks of `markdown` and what its snippet directives say of them. */
export function readPage(markdown: string, page: string): Page {
  const lines = markdown.split('\n')
  const result: Page = { programs: [], files: [], excerpts: [], skipped: [] }
  const where = (index: number): string => `${page}:${index + 1}`
  let pending: Directive[] = []
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!
    const opening = /^\s*<!--\s*snippet:\s*(\S+)\s*(.*)$/.exec(text)
    if (opening !== null) {
      const start = i
      const [, kind = '', rest = ''] = opening
      let argument: string
      const body: string[] = []
      if (rest.includes('-->')) {
        argument = rest.slice(0, rest.indexOf('-->')).trim()
      } else {
        argument = rest.trim()
        while (++i < lines.length && !lines[i]!.includes('-->')) body.push(lines[i]!)
        if (i === lines.length) throw new Error(`${where(start)}: the snippet comment never ends`)
      }
      const directive = { kind, argument, body: { code: body.join('\n'), line: start + 2 } }
      if (kind === 'file') {
        const [file, path, ...others] = argument.split(/\s+/)
        if (file === '' || others.length > 0 || (path !== undefined && body.length > 0)) {
          throw new Error(`${where(start)}: write <!-- snippet: file <name> [<path to copy>] -->`)
        }
        result.files.push({ file: file!, source: path === undefined ? directive.body : { path } })
      } else if (BLOCK_DIRECTIVES.has(kind)) {
        pending.push(directive)
      } else {
        throw new Error(
          `${where(start)}: unknown snippet directive "${kind}"; use skip, excerpt, continues, setup, stderr or file`,
        )
      }
      continue
    }
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(text)
    if (fence !== null) {
      const [, indent = '', marker = '', language = ''] = fence
      const start = i
      const code: string[] = []
      while (++i < lines.length && !lines[i]!.trim().startsWith(marker)) {
        code.push(lines[i]!.slice(Math.min(indent.length, /^\s*/.exec(lines[i]!)![0].length)))
      }
      if (CODE_LANGUAGES.has(language)) {
        addBlock(result, { code: code.join('\n'), line: start + 2 }, pending, where(start))
      } else if (pending.length > 0) {
        throw new Error(`${where(start)}: a snippet directive before a ${language} block`)
      }
      pending = []
      continue
    }
    if (text.trim() !== '' && pending.length > 0) {
      throw new Error(`${where(i)}: a snippet directive must come right before its code block`)
    }
  }
  return result
}

function addBlock(page: Page, block: Part, directives: Directive[], where: string): void {
  const find = (kind: string): Directive | undefined => directives.find((d) => d.kind === kind)
  const skip = find('skip')
  if (skip !== undefined) {
    if (skip.argument === '') throw new Error(`${where}: say why the block is skipped`)
    page.skipped.push({ line: block.line, reason: skip.argument })
    return
  }
  const excerpt = find('excerpt')
  if (excerpt !== undefined) {
    page.excerpts.push({ path: excerpt.argument, ...block })
    return
  }
  const setup = directives.filter((d) => d.kind === 'setup').map((d) => d.body)
  const stderr = find('stderr')?.argument
  if (stderr === '') throw new Error(`${where}: say why the block writes to stderr`)
  if (find('continues') !== undefined) {
    const previous = page.programs.at(-1)
    if (previous === undefined) throw new Error(`${where}: no block before this one to continue`)
    previous.parts.push(...setup, block)
    previous.stderr ??= stderr
    return
  }
  const named = NAMED_FILE.exec(block.code.split('\n')[0]!)?.[1]
  const file = named ?? `snippet-${block.line}.ts`
  if (page.programs.some((program) => program.file === file)) {
    throw new Error(`${where}: a second block named ${file}`)
  }
  page.programs.push({
    file,
    line: block.line,
    parts: [...setup, block],
    ...(stderr === undefined ? {} : { stderr }),
  })
}
