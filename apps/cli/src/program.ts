import { createRequire } from 'node:module'
import { MAX_WORKERS } from '@taskgraph/scheduler'
import { Command, InvalidArgumentError, Option } from 'commander'
import { runCommand, type RunCommandOptions } from './commands/run.js'
import { visualizeCommand, type VisualizeCommandOptions } from './commands/visualize.js'
import { errorLine } from './failure-report.js'
import type { Io } from './io.js'
import { createLogger, LOG_LEVELS, type LogLevel } from './logger.js'

const { version } = createRequire(import.meta.url)('../package.json') as { version: string }

/** The `taskgraph` command line; actions throw, and `main` turns errors into exit codes. */
export function createProgram(io: Io): Command {
  const program = new Command('taskgraph')
    .description('Run and draw lazy task graphs: a Dask-style engine for TypeScript and Node.js.')
    .version(version, '-v, --version')
    // A global option that takes a value is listed in supervisor/role.ts too.
    .addOption(
      new Option('--log-level <level>', 'diagnostic log on stderr')
        .choices(LOG_LEVELS)
        .default('warn'),
    )
    .option('--verbose', "show taskgraph's own frames in the stacks of failed tasks", false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Commander's "error: ..." lines look like taskgraph's own.
      outputError: (text, write) => write(errorLine(text)),
    })

  program
    .command('run')
    .description("compute a workflow file's default export and print the result")
    .argument('<file>', 'workflow module (.ts, .mts, .js, .mjs) whose default export is the graph')
    .addOption(
      new Option('-e, --executor <name>', 'where tasks run')
        .choices(['inline', 'async', 'threads', 'processes'])
        .default('async'),
    )
    .option(
      '-c, --concurrency <n>',
      'most tasks in flight at once (async executor)',
      positiveInteger,
    )
    .option(
      '-w, --workers <n>',
      'workers of the threads and processes executors (default: one per core)',
      workerCount,
    )
    .option(
      '--retries <n>',
      'run a failed task again up to n times, unless it sets its own',
      wholeNumber,
    )
    .option(
      '--timeout <ms>',
      'stop a task running longer than this, unless it sets its own',
      milliseconds,
    )
    .option(
      '--start-timeout <ms>',
      'fail the run if workers of the threads and processes executors are not ready, or a module a task needs is not imported, within this time (default: 60000)',
      milliseconds,
    )
    .option('--json', 'print only the result, as JSON, on stdout', false)
    .option(
      '-k, --keep-going',
      'after a failure, run every task that does not depend on it; report all failures',
      false,
    )
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .action(async (file: string, options: RunCommandOptions, command: Command) => {
      for (const [flag, value] of [
        ['--workers', options.workers],
        ['--start-timeout', options.startTimeout],
      ] as const) {
        if (
          value !== undefined &&
          options.executor !== 'threads' &&
          options.executor !== 'processes'
        ) {
          program.error(`error: option '${flag}' applies to the threads and processes executors`, {
            exitCode: 2,
            code: 'taskgraph.usage',
          })
        }
      }
      if (
        options.concurrency !== undefined &&
        options.executor !== 'async' &&
        options.executor !== 'inline'
      ) {
        program.error(
          "error: option '--concurrency' applies to the async executor; pool executors take '--workers'",
          {
            exitCode: 2,
            code: 'taskgraph.usage',
          },
        )
      }
      if (
        options.executor === 'inline' &&
        options.concurrency !== undefined &&
        options.concurrency !== 1
      ) {
        program.error(
          "error: option '--concurrency' applies to the async executor; the inline executor runs one task at a time",
          {
            exitCode: 2,
            code: 'taskgraph.usage',
          },
        )
      }
      const { logLevel } = command.optsWithGlobals<{ logLevel: LogLevel }>()
      await runCommand(file, options, io, createLogger(logLevel))
    })

  program
    .command('visualize')
    .description("draw a workflow file's task graph as DOT or SVG, without running it")
    .argument('<file>', 'workflow module (.ts, .mts, .js, .mjs) whose default export is the graph')
    .option('-o, --output <file>', 'write to this file (.dot or .svg) instead of printing DOT')
    .addOption(
      new Option(
        '-f, --format <format>',
        'output format (default: from the -o extension, else dot)',
      ).choices(['dot', 'svg']),
    )
    .addOption(
      new Option('--rankdir <dir>', 'direction the graph flows')
        .choices(['TB', 'LR', 'BT', 'RL'])
        .default('BT'),
    )
    .action(async (file: string, options: VisualizeCommandOptions) => {
      await visualizeCommand(file, options, io)
    })

  return program
}

function workerCount(text: string): number {
  const value = positiveInteger(text)
  if (value > MAX_WORKERS)
    throw new InvalidArgumentError(`expected at most ${MAX_WORKERS} workers.`)
  return value
}

function milliseconds(text: string): number {
  const value = positiveInteger(text)
  // The longest delay a Node timer takes, about 24.8 days.
  if (value > 2 ** 31 - 1) throw new InvalidArgumentError('expected at most 2147483647 ms.')
  return value
}

function wholeNumber(text: string): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0)
    throw new InvalidArgumentError('expected a whole number, 0 or more.')
  return value
}

function positiveInteger(text: string): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError('expected a whole number, 1 or more.')
  return value
}
