import ts from 'typescript'

// Docs state results in comments: `await total.compute() // 3`. A top-level statement
// followed by a comment that starts with a plain value (a number, string, boolean,
// null, or an array or object of those), on the same line or alone on the next one, is
// checked: the statement's value (or what `console.log` prints) must deeply equal it.
// Text after a colon explains the value (`// [2, 5]: one graph`); a comment that is
// not a plain value (`// Delayed<number>`, `// [ 3.14… ]`) checks nothing.

export const CHECK_FUNCTION = '__snippetResult'

/**
 * `source` with each stated result turned into a check that throws, naming
 * `where(line)` (the 0-based line of `source` the statement ends on), when the value differs.
 */
export function addResultChecks(source: string, where: (line: number) => string): string {
  const file = ts.createSourceFile('snippet.ts', source, ts.ScriptTarget.Latest, true)
  const edits: { start: number; end: number; text: string }[] = []
  for (const statement of file.statements) {
    if (!ts.isExpressionStatement(statement)) continue
    const expected = statedResult(source.slice(statement.getEnd()))
    if (expected === undefined) continue
    let checked = statement.expression
    if (
      ts.isCallExpression(checked) &&
      checked.expression.getText(file) === 'console.log' &&
      checked.arguments.length === 1
    ) {
      checked = checked.arguments[0]!
    }
    const line = file.getLineAndCharacterOfPosition(statement.getEnd()).line
    edits.push({
      start: checked.getStart(file),
      end: checked.getEnd(),
      text: `${CHECK_FUNCTION}(${checked.getText(file)}, ${expected}, ${JSON.stringify(where(line))})`,
    })
  }
  let checkedSource = source
  for (const { start, end, text } of edits.reverse()) {
    checkedSource = checkedSource.slice(0, start) + text + checkedSource.slice(end)
  }
  return edits.length === 0 ? source : `${checkedSource}\n${CHECK_SOURCE}`
}

// Import declarations may come last in a module: they are hoisted.
const CHECK_SOURCE = `
import { inspect as __inspect, isDeepStrictEqual as __isDeepStrictEqual } from 'node:util'
function ${CHECK_FUNCTION}(actual: unknown, expected: unknown, where: string) {
  if (!__isDeepStrictEqual(actual, expected)) {
    throw new Error(\`\${where}: the result is \${__inspect(actual)}, where the page says \${__inspect(expected)}\`)
  }
  return actual
}
`

/** The value the comment after a statement states, as source text, if it states one. */
function statedResult(after: string): string | undefined {
  const comment = /^[ \t]*(?:\/\/(.*)|\r?\n[ \t]*\/\/(.*))/.exec(after)
  const text = (comment?.[1] ?? comment?.[2])?.trim()
  if (text === undefined || text === '') return undefined
  for (let end = 0; end <= text.length; end++) {
    if (end < text.length && text[end] !== ':') continue
    const candidate = text.slice(0, end).trim()
    if (candidate !== '' && isPlainValue(candidate)) return candidate
  }
  return undefined
}

function isPlainValue(text: string): boolean {
  const file = ts.createSourceFile('value.ts', `(${text})`, ts.ScriptTarget.Latest, true)
  // The parser's own diagnostics: `[2, 5` parses as an array, with an error.
  const { parseDiagnostics } = file as unknown as { parseDiagnostics: readonly unknown[] }
  const [statement, ...others] = file.statements
  if (parseDiagnostics.length > 0 || others.length > 0 || statement === undefined) return false
  return ts.isExpressionStatement(statement) && plain(statement.expression)
}

function plain(node: ts.Node): boolean {
  if (ts.isParenthesizedExpression(node)) return plain(node.expression)
  if (
    ts.isNumericLiteral(node) ||
    ts.isStringLiteral(node) ||
    ts.isNoSubstitutionTemplateLiteral(node) ||
    node.kind === ts.SyntaxKind.TrueKeyword ||
    node.kind === ts.SyntaxKind.FalseKeyword ||
    node.kind === ts.SyntaxKind.NullKeyword
  ) {
    return true
  }
  if (ts.isPrefixUnaryExpression(node)) {
    return node.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(node.operand)
  }
  if (ts.isArrayLiteralExpression(node)) return node.elements.every(plain)
  if (ts.isObjectLiteralExpression(node)) {
    return node.properties.every(
      (property) =>
        ts.isPropertyAssignment(property) &&
        (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)) &&
        plain(property.initializer),
    )
  }
  return false
}
