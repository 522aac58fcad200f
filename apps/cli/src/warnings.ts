import { escapeControls } from './terminal-text.js'

/**
 * Prints process warnings (taskgraph's TASKGRAPH_MAIN_THREAD among them) as one line
 * each on stderr. Node's own printer adds a second line, a hint about --trace-warnings,
 * to the first warning of a process.
 */
export function printWarningsAsLines(stderr: NodeJS.WritableStream): void {
  process.removeAllListeners('warning')
  process.on('warning', (warning: Error & { code?: string }) => {
    const code = warning.code === undefined ? '' : ` [${warning.code}]`
    stderr.write(`taskgraph: warning${code}: ${escapeControls(warning.message)}\n`)
  })
}
