// Failures already reported whose echo, an unhandled rejection of the same error, is
// dropped where it would otherwise end a worker. On Node 20 a CommonJS module that
// throws while it loads rejects its import and then, a moment later, a promise inside
// Node's loader that nothing can handle, with the same error: a process worker whose
// preload imported the workflow and caught the failure would still end with Node's raw
// report on the command's stderr. Kept on `globalThis`: the preload and the worker may
// load different copies of this module.

const ECHOES = Symbol.for('taskgraph.rejectionEchoes')

function echoes(): WeakSet<object> {
  const shared = globalThis as { [ECHOES]?: WeakSet<object> }
  return (shared[ECHOES] ??= new WeakSet())
}

/** `failure` was handled: an unhandled rejection with it later is its echo. */
export function expectEcho(failure: unknown): void {
  if (typeof failure === 'object' && failure !== null) echoes().add(failure)
}

/** Whether `reason` is the echo of a failure already handled (see `expectEcho`). */
export function isEcho(reason: unknown): boolean {
  return typeof reason === 'object' && reason !== null && echoes().has(reason)
}
