import { InvalidOptionError } from '@taskgraph/core'
import { DEFAULT_ASYNC_CONCURRENCY } from '../executors/async-executor.js'
import { MAX_WORKERS } from '../pool/pool-options.js'

/** The environment variables that set run options, by the option each one sets. */
export const RUN_OPTION_VARIABLES = {
  executor: 'TASKGRAPH_EXECUTOR',
  concurrency: 'TASKGRAPH_CONCURRENCY',
  workers: 'TASKGRAPH_WORKERS',
  startTimeout: 'TASKGRAPH_START_TIMEOUT',
  retries: 'TASKGRAPH_RETRIES',
  timeout: 'TASKGRAPH_TIMEOUT',
} as const

/** Run options as the environment sets them; a variable unset or empty leaves its option out. */
export interface EnvRunOptions {
  executor?: 'inline' | 'async' | 'threads' | 'processes'
  concurrency?: number
  workers?: number
  startTimeout?: number
  retries?: number
  timeout?: number
}

const EXECUTOR_NAMES = ['inline', 'async', 'threads', 'processes'] as const

/** The longest delay a Node timer takes, about 24.8 days. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Reads and checks the `TASKGRAPH_*` run options in `env`. Every variable that is set is
 * checked, whether or not the call will use it: a typo in the environment shows the first
 * time taskgraph runs, not the day another executor is chosen. Messages start with
 * `caller: ` when a caller is given.
 */
export function readEnvRunOptions(env: NodeJS.ProcessEnv, caller?: string): EnvRunOptions {
  const read = (
    variable: string,
    expected: string,
    example: string,
    parse: (text: string) => number | undefined,
  ): number | undefined => {
    const text = envValue(env, variable)
    if (text === undefined) return undefined
    const value = parse(text)
    if (value === undefined) {
      throw new InvalidOptionError({
        message: withCaller(caller, invalidEnvValue(variable, text, expected, example)),
      })
    }
    return value
  }
  const options: EnvRunOptions = {}
  const executor = envValue(env, RUN_OPTION_VARIABLES.executor)
  if (executor !== undefined) {
    if (!(EXECUTOR_NAMES as readonly string[]).includes(executor)) {
      throw new InvalidOptionError({
        message: withCaller(
          caller,
          invalidEnvValue(
            RUN_OPTION_VARIABLES.executor,
            executor,
            'an executor name',
            'one of inline, async, threads, processes',
          ),
        ),
      })
    }
    options.executor = executor as EnvRunOptions['executor']
  }
  const numbers = [
    [
      'concurrency',
      'a whole number of tasks, 1 or more',
      `a number such as ${DEFAULT_ASYNC_CONCURRENCY}`,
      (text: string) => wholeNumber(text, 1, Number.MAX_SAFE_INTEGER),
    ],
    [
      'workers',
      `a whole number of workers from 1 to ${MAX_WORKERS}`,
      'a number such as 4',
      (text: string) => wholeNumber(text, 1, MAX_WORKERS),
    ],
    [
      'startTimeout',
      `a whole number of milliseconds from 1 to ${MAX_TIMER_MS}`,
      'a number such as 60000',
      (text: string) => wholeNumber(text, 1, MAX_TIMER_MS),
    ],
    [
      'retries',
      'a whole number, 0 or more',
      'a number such as 2',
      (text: string) => wholeNumber(text, 0, Number.MAX_SAFE_INTEGER),
    ],
    [
      'timeout',
      `a whole number of milliseconds from 1 to ${MAX_TIMER_MS}`,
      'a number such as 30000',
      (text: string) => wholeNumber(text, 1, MAX_TIMER_MS),
    ],
  ] as const
  for (const [option, expected, example, parse] of numbers) {
    const value = read(RUN_OPTION_VARIABLES[option], expected, example, parse)
    if (value !== undefined) options[option] = value
  }
  return options
}

/**
 * The value of `variable` in `env`, without surrounding spaces; `undefined` when it is
 * unset or empty, so that `TASKGRAPH_WORKERS= cmd` unsets it for one command.
 */
export function envValue(env: NodeJS.ProcessEnv, variable: string): string | undefined {
  const text = env[variable]?.trim()
  return text === undefined || text === '' ? undefined : text
}

/** What is wrong with the value of an environment variable, and how to put it right. */
export function invalidEnvValue(
  variable: string,
  value: string,
  expected: string,
  example: string,
): string {
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  return `environment variable ${variable} is ${shown}, not ${expected}. Set it to ${example}, or unset it.`
}

function withCaller(caller: string | undefined, message: string): string {
  return caller === undefined ? message : `${caller}: ${message}`
}

/**
 * `text` as a whole number from `min` to `max`, or `undefined`. Decimal digits only:
 * "1e3", "0x10", "4.0", "-1" and " 2" are mistakes, not numbers. The CLI reads its
 * numeric flags with it too, so a flag takes what its variable takes.
 */
export function wholeNumber(text: string, min: number, max: number): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined
  const value = Number(text)
  return value >= min && value <= max ? value : undefined
}
