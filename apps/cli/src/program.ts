import { createRequire } from 'node:module'
import { InvalidOptionError } from '@taskgraph/core'
import { DEFAULT_DASHBOARD_PORT } from '@taskgraph/observe/dashboard-port'
import { DEFAULT_ASYNC_CONCURRENCY, MAX_WORKERS } from '@taskgraph/scheduler'
import { wholeNumber as parseWholeNumber } from '@taskgraph/scheduler/internal'
import { Command, Help, InvalidArgumentError, Option } from 'commander'
import { age, byteSize, cacheDirectory } from './cache-settings.js'
import { clusterUrl, storeUrl } from './cluster-settings.js'
// Each command's module loads when that command runs: `taskgraph worker` or `cluster
// status` never load what `run` shows (progress line, dashboard) nor the cache.
import type { RunCommandOptions } from './commands/run.js'
import type { VisualizeCommandOptions } from './commands/visualize.js'
import { ExitCode } from './exit-codes.js'
import { errorLine } from './failure-report.js'
import { checkFilesApart } from './output-paths.js'
import type { Io } from './io.js'
import { createLogger, LOG_LEVELS, type LogLevel } from './logger.js'
import { escapeControls } from './terminal-text.js'
import { LOG_LEVEL_VARIABLE, OPTION_VARIABLES, runSettings } from './run-options.js'

const { version } = createRequire(import.meta.url)('../package.json') as { version: string }

/** The `taskgraph` command line; actions throw, and `main` turns errors into exit codes. */
export function createProgram(io: Io): Command {
  const program = new Command('taskgraph')
    .description('Run and draw lazy task graphs: a Dask-style engine for TypeScript and Node.js.')
    .version(version, '-v, --version')
    // A global option that takes a value is listed in supervisor/role.ts too.
    .addOption(
      withVariable(
        new Option('--log-level <level>', 'diagnostic log on stderr')
          .choices(LOG_LEVELS)
          .default('warn'),
      ),
    )
    .option('--verbose', "show taskgraph's own frames in the stacks of failed tasks", false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Commander's "error: ..." lines look like taskgraph's own.
      outputError: (text, write) => write(errorLine(escapeControls(text))),
    })
    // Inherited by the commands below.
    .configureHelp({
      // `run --help` lists --log-level and --verbose too: they may follow the command.
      showGlobalOptions: true,
      optionDescription(option) {
        const text = Help.prototype.optionDescription.call(this, option)
        const variable = HELP_VARIABLES.get(option)
        if (variable === undefined) return text
        // Inside commander's closing "(choices: ..., default: ...)" when there is one.
        return text.endsWith(')')
          ? `${text.slice(0, -1)}, env: ${variable})`
          : `${text} (env: ${variable})`
      },
    })

  program
    .command('run')
    .description("compute a workflow file's default export and print the result")
    .argument(
      '<file>',
      'workflow module (.ts, .mts, .js, .mjs, .cjs) whose default export is the graph',
    )
    .addOption(
      withVariable(
        new Option('-e, --executor <name>', 'where tasks run')
          .choices(['inline', 'async', 'threads', 'processes'])
          .default('async'),
      ),
    )
    .addOption(
      withVariable(
        new Option(
          '-c, --concurrency <n>',
          `most tasks in flight at once on the async executor (default: ${DEFAULT_ASYNC_CONCURRENCY})`,
        ).argParser(positiveInteger),
      ),
    )
    .addOption(
      withVariable(
        new Option(
          '-w, --workers <n>',
          'workers of the threads and processes executors (default: one per core)',
        ).argParser(workerCount),
      ),
    )
    .addOption(
      withVariable(
        new Option(
          '--retries <n>',
          'run a failed task again up to n times, unless it sets its own',
        ).argParser(wholeNumber),
      ),
    )
    .addOption(
      withVariable(
        new Option(
          '--timeout <ms>',
          'stop a task running longer than this, unless it sets its own',
        ).argParser(milliseconds),
      ),
    )
    .addOption(
      withVariable(
        new Option(
          '--start-timeout <ms>',
          'fail the run if workers of the threads and processes executors are not ready, or a module a task needs is not imported, within this time (default: 60000)',
        ).argParser(milliseconds),
      ),
    )
    .addOption(
      withVariable(
        new Option(
          '--cluster <url>',
          "run the tasks on the cluster whose Redis is at this URL (see 'taskgraph worker')",
        ),
      ),
    )
    .addOption(
      withVariable(
        new Option(
          '--store <url>',
          'with --cluster: the directory every machine mounts, for results over the Redis limit (file:///mnt/shared/tg)',
        ),
      ),
    )
    .addOption(
      new Option(
        '--reconnect-timeout <ms>',
        'with --cluster: how long the run waits for a dropped connection to Redis to come back before it fails with exit code 5 (default: 30000)',
      ).argParser(milliseconds),
    )
    .addOption(
      new Option(
        '--max-stored-bytes <size>',
        'with --cluster: the largest result kept in Redis (4MiB, 1048576); larger ones go to --store (default: 1MiB)',
      ).argParser(storedSize),
    )
    .option('--json', 'print only the result, as JSON, on stdout', false)
    .option(
      '-k, --keep-going',
      'after a failure, run every task that does not depend on it; report all failures',
      false,
    )
    .option(
      '--trace <file>',
      'write a trace of the run to this file (Chrome Trace Event JSON: open it in ui.perfetto.dev)',
    )
    .option(
      '--report <file>',
      'write a report of the run to this file: one HTML page (task stream, time per function, critical path, failures, graph) that opens offline',
    )
    .addOption(
      new Option(
        '--dashboard [port]',
        `serve a live page of the run at http://127.0.0.1:PORT/ (default: ${DEFAULT_DASHBOARD_PORT}, or a free port if that is taken; 0: any free port)`,
      ).argParser(port),
    )
    .addOption(
      withVariable(
        new Option(
          '--cache <dir>',
          'keep the results of cached tasks (pure, or cache: true) in this directory, and read them instead of running those tasks again',
        ),
      ),
    )
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .addHelpText('after', ENVIRONMENT_HELP)
    .action(async (file: string, flags: RunCommandOptions, command: Command) => {
      const given = (option: string): boolean =>
        (option === 'logLevel' ? program : command).getOptionValueSource(option) === 'cli'
      const settings = asUsage(program, () => {
        const { logLevel } = command.optsWithGlobals<{ logLevel: LogLevel }>()
        const settings = runSettings({ ...flags, logLevel }, given, process.env)
        checkFilesApart('taskgraph run', [
          { name: 'the workflow file', path: file, written: false },
          { name: '--trace', path: settings.options.trace, written: true },
          { name: '--report', path: settings.options.report, written: true },
        ])
        return settings
      })
      const { runCommand } = await import('./commands/run.js')
      await runCommand(file, settings.options, io, createLogger(settings.logLevel))
    })

  program
    .command('worker')
    .description('run tasks for a cluster: take jobs from its Redis until stopped')
    .argument(
      '[modules...]',
      'modules it serves (default: any module under the current directory, its project root)',
    )
    .addOption(withVariable(new Option('--cluster <url>', "the cluster's Redis URL")))
    .addOption(
      new Option(
        '-t, --threads <n>',
        'worker threads that run tasks (default: one per core)',
      ).argParser(workerCount),
    )
    .addOption(
      new Option(
        '--name <name>',
        'its name in status and errors, which no other live worker may hold: exit code 2 if one does (default: host-pid)',
      ).argParser(workerName),
    )
    .addOption(
      withVariable(
        new Option('--store <url>', 'the directory every machine mounts, for large results'),
      ),
    )
    .addOption(
      new Option(
        '--lease <ms>',
        "how long its hold on a job lasts unrenewed: a lost worker's jobs run again elsewhere after it (default: 30000)",
      ).argParser(leaseMilliseconds),
    )
    .addOption(
      new Option(
        '--reconnect-timeout <ms>',
        'how long it waits for a dropped connection to Redis to come back before it stops with exit code 5; 0 waits for ever (default: 30000)',
      ).argParser(millisecondsOrZero),
    )
    .addOption(
      new Option(
        '--start-timeout <ms>',
        'fail the start with exit code 3 if the modules it serves have not finished importing, here or in its threads, within this time (default: 60000)',
      ).argParser(milliseconds),
    )
    .action(
      async (
        modules: string[],
        flags: {
          cluster?: string
          threads?: number
          name?: string
          store?: string
          lease?: number
          reconnectTimeout?: number
          startTimeout?: number
        },
      ) => {
        const cluster = asUsage(program, () => ({
          url: clusterUrl('taskgraph worker', flags.cluster, process.env, true)!,
          store: storeUrl('taskgraph worker', flags.store, process.env, true),
        }))
        const { logLevel } = program.opts<{ logLevel: LogLevel }>()
        const { workerCommand } = await import('./commands/worker.js')
        await workerCommand(
          modules,
          {
            cluster: cluster.url,
            ...(flags.threads === undefined ? {} : { threads: flags.threads }),
            ...(flags.name === undefined ? {} : { name: flags.name }),
            ...(cluster.store === undefined ? {} : { store: cluster.store }),
            ...(flags.lease === undefined ? {} : { lease: flags.lease }),
            ...(flags.reconnectTimeout === undefined
              ? {}
              : { reconnectTimeout: flags.reconnectTimeout }),
            ...(flags.startTimeout === undefined ? {} : { startTimeout: flags.startTimeout }),
          },
          io,
          createLogger(logLevel),
          version,
        )
      },
    )

  program
    .command('cluster')
    .description('look at a cluster')
    .command('status')
    .description('list the live workers of a cluster')
    .addOption(withVariable(new Option('--cluster <url>', "the cluster's Redis URL")))
    .option('--json', 'print the workers as JSON', false)
    .action(async (flags: { cluster?: string; json: boolean }) => {
      const url = asUsage(program, () =>
        clusterUrl('taskgraph cluster status', flags.cluster, process.env, true),
      )!
      const { clusterStatusCommand } = await import('./commands/cluster-status.js')
      await clusterStatusCommand({ cluster: url, json: flags.json }, io)
    })

  const cache = program
    .command('cache')
    .description("look after a result cache (see 'taskgraph run --cache')")
  const cacheOption = (): Option =>
    withVariable(new Option('--cache <dir>', "the cache's directory"))
  const directory = (command: string, flag: string | undefined): string =>
    asUsage(program, () => cacheDirectory(`taskgraph cache ${command}`, flag, process.env))
  cache
    .command('ls')
    .description('list the results in the cache, least recently used first')
    .addOption(cacheOption())
    .option('--json', 'print the entries as JSON', false)
    .action(async (flags: { cache?: string; json: boolean }) => {
      const { cacheListCommand } = await import('./commands/cache.js')
      await cacheListCommand(directory('ls', flags.cache), { json: flags.json }, io)
    })
  cache
    .command('prune')
    .description('remove the least recently used results, down to the limits given')
    .addOption(cacheOption())
    .addOption(
      new Option(
        '--max-size <size>',
        'keep at most this much (500MB, 2GiB; default: 5GiB)',
      ).argParser(byteSize),
    )
    .addOption(
      new Option('--max-age <age>', 'remove what was not used for this long (7d, 12h)').argParser(
        age,
      ),
    )
    .action(async (flags: { cache?: string; maxSize?: number; maxAge?: number }) => {
      const { cachePruneCommand } = await import('./commands/cache.js')
      await cachePruneCommand(
        directory('prune', flags.cache),
        {
          ...(flags.maxSize === undefined ? {} : { maxSize: flags.maxSize }),
          ...(flags.maxAge === undefined ? {} : { maxAge: flags.maxAge }),
        },
        io,
      )
    })
  cache
    .command('clear')
    .description('remove every result from the cache')
    .addOption(cacheOption())
    .action(async (flags: { cache?: string }) => {
      const { cacheClearCommand } = await import('./commands/cache.js')
      await cacheClearCommand(directory('clear', flags.cache), io)
    })
  cache
    .command('why')
    .description(
      'say whether a task of a workflow would be read from the cache, and if not, what changed',
    )
    .argument('<file>', 'the workflow module')
    .argument('<key>', 'the task key (as logs, traces and drawings show it)')
    .addOption(cacheOption())
    .action(async (file: string, key: string, flags: { cache?: string }) => {
      const dir = directory('why', flags.cache)
      const { cacheWhyCommand } = await import('./commands/cache.js')
      try {
        await cacheWhyCommand(dir, file, key, io)
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'ERR_UNKNOWN_TASK') throw error
        program.error(`taskgraph cache why: ${(error as Error).message}`, {
          exitCode: ExitCode.Usage,
          code: 'taskgraph.usage',
        })
      }
    })

  program
    .command('visualize')
    .description("draw a workflow file's task graph as DOT or SVG, without running it")
    .argument(
      '<file>',
      'workflow module (.ts, .mts, .js, .mjs, .cjs) whose default export is the graph',
    )
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
    .addOption(
      new Option(
        '--color <by>',
        'fill tasks by run order, or by the status or duration in --trace; a legend explains',
      )
        .choices(['none', 'order', 'status', 'duration'])
        .default('none'),
    )
    .option(
      '--trace <file>',
      "with --color status or duration: a run's trace, from taskgraph run --trace <file>",
    )
    .option('--group', 'draw one node per step (function and its inputs), with counts')
    .option('--no-group', 'draw every task, however many')
    .addOption(
      new Option(
        '--group-above <n>',
        'draw grouped when the graph has more than n tasks (default: 300)',
      ).argParser(wholeNumber),
    )
    .action(async (file: string, options: VisualizeCommandOptions) => {
      const { checkVisualizeFlags, formatOf, visualizeCommand } =
        await import('./commands/visualize.js')
      const format = asUsage(program, () => {
        checkVisualizeFlags(options)
        checkFilesApart('taskgraph visualize', [
          { name: 'the workflow file', path: file, written: false },
          { name: 'the trace', path: options.trace, written: false },
          { name: '-o', path: options.output, written: true },
        ])
        return formatOf(options.output, options.format)
      })
      await visualizeCommand(file, { ...options, format }, io)
    })

  return program
}

/**
 * What `check` returns, or, for a command line it finds wrong (an `InvalidOptionError`),
 * the end of the command the way commander ends it for its own usage errors: one
 * `taskgraph: error:` line (outputError above), exit 2. The one way a usage error ends
 * the command.
 */
function asUsage<T>(program: Command, check: () => T): T {
  try {
    return check()
  } catch (error) {
    if (!(error instanceof InvalidOptionError)) throw error
    return program.error(error.message, { exitCode: ExitCode.Usage, code: 'taskgraph.usage' })
  }
}

/** Options a TASKGRAPH_* variable sets, for the help; the variables are read in run-options.ts. */
const HELP_VARIABLES = new WeakMap<Option, string>()

function withVariable(option: Option): Option {
  const variable = OPTION_VARIABLES[option.attributeName()]
  if (variable !== undefined) HELP_VARIABLES.set(option, variable)
  return option
}

const ENVIRONMENT_HELP = `
Environment:
  An option not given on the command line is taken from its variable (env: above),
  then from its default. An empty variable counts as unset; a variable that does not
  apply to the executor in use (TASKGRAPH_WORKERS with async) is ignored. The global
  --log-level is set by ${LOG_LEVEL_VARIABLE}.`

/**
 * A numeric flag's value as its TASKGRAPH_* variable takes it (scheduler's env-options.ts):
 * decimal digits only, from `min` to `max`; `expected` says what to give otherwise.
 */
function decimal(text: string, min: number, max: number, expected: string): number {
  const value = parseWholeNumber(text, min, max)
  if (value === undefined)
    throw new InvalidArgumentError(`expected ${expected}, in decimal digits.`)
  return value
}

function workerCount(text: string): number {
  return decimal(text, 1, MAX_WORKERS, `a whole number of workers from 1 to ${MAX_WORKERS}`)
}

/** The longest delay a Node timer takes, about 24.8 days. */
const MAX_TIMER_MS = 2 ** 31 - 1

function milliseconds(text: string): number {
  return decimal(text, 1, MAX_TIMER_MS, `a whole number of milliseconds from 1 to ${MAX_TIMER_MS}`)
}

/**
 * A worker's lease: ClusterWorker's shortest (1000 ms, MIN_LEASE_MS there: the CLI does
 * not load the cluster package to parse its options), shorter ones lapse while it lives.
 */
function leaseMilliseconds(text: string): number {
  return decimal(
    text,
    1000,
    MAX_TIMER_MS,
    `a whole number of milliseconds from 1000 (a shorter lease lapses while the worker renews it, and its jobs run twice) to ${MAX_TIMER_MS}`,
  )
}

/** Milliseconds where `0` means no limit (a worker's wait for Redis). */
function millisecondsOrZero(text: string): number {
  return decimal(
    text,
    0,
    MAX_TIMER_MS,
    `a whole number of milliseconds from 0 (wait for ever) to ${MAX_TIMER_MS}`,
  )
}

/** What ClusterWorker.start takes as a name: a word of printable characters. */
function workerName(text: string): string {
  if (!/^[\x21-\x7e\u00a1-\uffff]{1,100}$/.test(text))
    throw new InvalidArgumentError(
      'expected 1 to 100 characters with no spaces or control characters, such as gpu-box-1.',
    )
  return text
}

function wholeNumber(text: string): number {
  return decimal(
    text,
    0,
    Number.MAX_SAFE_INTEGER,
    `a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`,
  )
}

function port(text: string): number {
  // Its value is optional, so `run --dashboard flow.ts` takes the file for the port.
  if (/\.[cm]?[jt]s$/.test(text) || /[/\\]/.test(text))
    throw new InvalidArgumentError(
      `expected a port number, not the workflow file: give the port with --dashboard=PORT, or put --dashboard after the file (taskgraph run ${text} --dashboard).`,
    )
  return decimal(text, 0, 65535, 'a port number from 0 to 65535 (0: any free port)')
}

/** A result size limit: a size as `--max-size` takes, of at least one byte. */
function storedSize(text: string): number {
  const value = byteSize(text)
  if (value < 1 || !Number.isSafeInteger(value))
    throw new InvalidArgumentError('expected a size of at least 1 byte, such as 4MiB.')
  return value
}

function positiveInteger(text: string): number {
  return decimal(
    text,
    1,
    Number.MAX_SAFE_INTEGER,
    `a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`,
  )
}
