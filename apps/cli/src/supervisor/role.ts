// Which part a `taskgraph` process plays. Read before anything else loads, so this file
// imports nothing: a wrong guess costs time, never behaviour, since the runner and the
// in-process path parse the command line in full.

/** Set by the supervisor in the runner's environment, to its own pid. */
export const SUPERVISED_ENV = 'TASKGRAPH_SUPERVISED'

/**
 * Set by the supervisor in the runner's environment to the file descriptor where the
 * runner writes its exit code as the command ends (supervisor/run-ended.ts).
 */
export const END_FD_ENV = 'TASKGRAPH_END_FD'

/** Set to 1 by a user to run `taskgraph run` in one process, without a supervisor. */
export const NO_SUPERVISOR_ENV = 'TASKGRAPH_NO_SUPERVISOR'

/**
 * The supervisor of a `taskgraph run`; the runner it starts; or a process that runs its
 * command alone, as every command but `run` does.
 */
export type Role = 'supervisor' | 'runner' | 'alone'

// The global options of program.ts that take a value: the command name is not that value.
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--log-level'])

/** The role of a process started with `argv`, `env` and Node's `execArgv`. */
export function roleOf(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  execArgv: readonly string[],
): Role {
  if (env[SUPERVISED_ENV] !== undefined) return 'runner'
  // Windows has neither the signals nor the process groups a supervisor works with.
  if (commandOf(argv) !== 'run' || process.platform === 'win32') return 'alone'
  const optOut = env[NO_SUPERVISOR_ENV]
  if (optOut !== undefined && optOut !== '' && optOut !== '0') return 'alone'
  // A debugger attaches to this process: it must hold the tasks, not a supervisor.
  const inspecting = (flag: string): boolean => flag.startsWith('--inspect')
  if (execArgv.some(inspecting) || (env.NODE_OPTIONS ?? '').split(/\s+/).some(inspecting)) {
    return 'alone'
  }
  return 'supervisor'
}

/** The subcommand: the first argument that is neither an option nor an option's value. */
function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) i++
    else if (!arg.startsWith('-')) return arg
  }
  return undefined
}
