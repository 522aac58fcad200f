import { Session, type Runtime } from 'node:inspector'
import type { AnyFunction } from '@taskgraph/core'

// What a function closes over besides its module's own variables, read through V8's
// inspector in this thread: the one place JavaScript can see a closure's variables.
// A function a factory made while a module loaded (`const scaled = makeScaler(k)`) has
// the module's origin and code whatever `k` was: its cache key must hold `k` itself.

/**
 * The variables of one scope a function closes over, innermost scope first; for a bound
 * function, what `bind` was given (`maker` is `'bind'`: `target`, `this`, `arguments`).
 */
export interface CapturedScope {
  /** The function whose call made the scope (`makeScaler`), or `''`: a block, an arrow. */
  readonly maker: string
  readonly variables: readonly (readonly [name: string, value: unknown])[]
}

// A function's scope chain runs from its own closure out to the global scope. What is
// at the module's level (its variables, and a module runner's wrapper: Node's CommonJS
// one, vitest's) is keyed by the module's source; what lies inside a function that ran
// (a factory's parameters and locals, and blocks within it) is state of that call.
const MODULE_LEVEL = new Set(['Module', 'Script', 'Global'])

// Values are handed from the inspector to this thread's code under this global name.
const HANDED = Symbol.for('taskgraph.cache.inspected')
const GROUP = 'taskgraph-cache'

/**
 * Functions found to close over nothing a call made. A function's scopes are fixed when
 * it is made (only their variables' values change), so the answer holds for its life:
 * a process that computes again and again asks the inspector once per function.
 */
const CLOSED_OVER_NOTHING = new WeakSet<AnyFunction>()

/**
 * Reads what functions close over, for one batch of lookups (a run's keys): the
 * inspector session is connected on first need and let go by `close`.
 */
export class CapturedVariables {
  #session: Session | undefined

  /**
   * The scopes `fn` closes over that a call made (innermost first; `[]` if none), or
   * `undefined` where the inspector cannot tell (a Node built without it).
   */
  of(fn: AnyFunction): CapturedScope[] | undefined {
    if (CLOSED_OVER_NOTHING.has(fn)) return []
    const session = this.#connect()
    if (session === undefined) return undefined
    try {
      const fnId = handOver(session, fn)
      const { internalProperties } = post(session, 'Runtime.getProperties', {
        objectId: fnId,
        ownProperties: true,
      })
      const slot = (name: string): Runtime.RemoteObject | undefined =>
        internalProperties?.find((property) => property.name === name)?.value
      // A bound function has no scopes of its own: what `bind` was given is its state.
      const target = slot('[[TargetFunction]]')
      if (target !== undefined) {
        const given = [
          ['target', target],
          ['this', slot('[[BoundThis]]')],
          ['arguments', slot('[[BoundArgs]]')],
        ] as const
        const variables = given.map(
          ([name, remote]) =>
            [name, remote === undefined ? undefined : valueOf(session, remote)] as const,
        )
        return [{ maker: 'bind', variables }]
      }
      const scopesId = slot('[[Scopes]]')?.objectId
      if (scopesId === undefined) return nothingClosedOver(fn)
      const chain = post(session, 'Runtime.getProperties', {
        objectId: scopesId,
        ownProperties: true,
      })
        .result.filter((entry) => /^\d+$/.test(entry.name) && entry.value?.objectId !== undefined)
        .sort((a, b) => Number(a.name) - Number(b.name))
        .map((entry) => ({
          ...scopeKind(entry.value!.description ?? ''),
          id: entry.value!.objectId!,
        }))
      const made = callScopes(chain)
      if (made.length === 0) return nothingClosedOver(fn)
      return made.map(({ maker, id }) => ({
        maker,
        variables: post(session, 'Runtime.getProperties', { objectId: id, ownProperties: true })
          .result.filter((variable) => variable.value !== undefined)
          .map((variable) => [variable.name, valueOf(session, variable.value!)] as const),
      }))
    } finally {
      post(session, 'Runtime.releaseObjectGroup', { objectGroup: GROUP })
    }
  }

  /** Lets the inspector session go. */
  close(): void {
    this.#session?.disconnect()
    this.#session = undefined
  }

  #connect(): Session | undefined {
    if (this.#session === undefined) {
      try {
        const session = new Session()
        session.connect()
        this.#session = session
      } catch {
        // No inspector in this build of Node.
        return undefined
      }
    }
    return this.#session
  }
}

function nothingClosedOver(fn: AnyFunction): CapturedScope[] {
  CLOSED_OVER_NOTHING.add(fn)
  return []
}

interface ScopeKind {
  /** `Closure`, `Block`, `Catch`, `With`, `Eval`, `Module`, `Script` or `Global`. */
  readonly type: string
  /** The function a `Closure` is of, if it has a name. */
  readonly maker: string
}

/** What the inspector's description of a scope (`Closure (makeScaler)`) says. */
function scopeKind(description: string): ScopeKind {
  const match = /^(\w+)(?: \((.*)\))?$/.exec(description)
  return { type: match?.[1] ?? description, maker: match?.[2] ?? '' }
}

/**
 * The scopes of `chain` (innermost first) that a call made: those up to the outermost
 * closure of a function inside the module. Without a `Module` scope (CommonJS, a module
 * runner's), the module's code runs in wrapper functions (Node's, and tsx's inside it):
 * the nameless closures outermost, with the blocks among them, are the module's own,
 * not a call's. (So is a nameless factory's closure there, `((k) => (x) => x * k)(3)`,
 * which cannot be told from them.)
 */
function callScopes<T extends ScopeKind>(chain: readonly T[]): T[] {
  let boundary = chain.findIndex((scope) => MODULE_LEVEL.has(scope.type))
  if (boundary === -1) boundary = chain.length
  if (!chain.some((scope) => scope.type === 'Module')) {
    while (boundary > 0 && isWrapperScope(chain[boundary - 1]!)) boundary--
  }
  let outermost = -1
  for (let at = 0; at < boundary; at++) if (chain[at]!.type === 'Closure') outermost = at
  return chain.slice(0, outermost + 1)
}

/** A scope a module's wrapper function makes: its nameless closure, or a block in it. */
function isWrapperScope(scope: ScopeKind): boolean {
  return scope.type === 'Block' || (scope.type === 'Closure' && scope.maker === '')
}

/** The value an inspector's remote object stands for, fetched into this thread. */
function valueOf(session: Session, remote: Runtime.RemoteObject): unknown {
  if (remote.objectId !== undefined) {
    post(session, 'Runtime.callFunctionOn', {
      objectId: remote.objectId,
      functionDeclaration: `function () { 'use strict'; globalThis[Symbol.for(${JSON.stringify(HANDED.description)})] = this }`,
      objectGroup: GROUP,
    })
    const holder = globalThis as { [HANDED]?: unknown }
    // A global that cannot be written (a frozen `globalThis`) hands nothing over: that
    // must not read as `undefined`.
    if (!(HANDED in holder)) throw new Error('the inspector could not hand a value over')
    const value = holder[HANDED]
    delete holder[HANDED]
    return value
  }
  const special = remote.unserializableValue
  if (special === undefined) return remote.type === 'undefined' ? undefined : remote.value
  if (remote.type === 'bigint') return BigInt(special.slice(0, -1))
  return special === '-0' ? -0 : Number(special)
}

/** The inspector's id of `fn`, handed to it through a global for a moment. */
function handOver(session: Session, fn: AnyFunction): string {
  const holder = globalThis as { [HANDED]?: unknown }
  holder[HANDED] = fn
  try {
    const { result } = post(session, 'Runtime.evaluate', {
      expression: `globalThis[Symbol.for(${JSON.stringify(HANDED.description)})]`,
      objectGroup: GROUP,
      silent: true,
    })
    if (result.objectId === undefined) throw new Error('the inspector did not find the function')
    return result.objectId
  } finally {
    delete holder[HANDED]
  }
}

interface Commands {
  'Runtime.evaluate': [Runtime.EvaluateParameterType, Runtime.EvaluateReturnType]
  'Runtime.getProperties': [Runtime.GetPropertiesParameterType, Runtime.GetPropertiesReturnType]
  'Runtime.callFunctionOn': [Runtime.CallFunctionOnParameterType, Runtime.CallFunctionOnReturnType]
  'Runtime.releaseObjectGroup': [Runtime.ReleaseObjectGroupParameterType, object]
}

/**
 * Sends `method` and returns its answer: a session connected to its own thread answers
 * before `post` returns.
 */
function post<M extends keyof Commands>(
  session: Session,
  method: M,
  params: Commands[M][0],
): Commands[M][1] {
  // The typed overloads of `post` name each method; this one call serves four.
  const send = session.post.bind(session) as (
    method: string,
    params: object,
    callback: (error: Error | null, result: Commands[M][1]) => void,
  ) => void
  let answer: { error: Error | null; result: Commands[M][1] } | undefined
  send(method, params, (error, result) => (answer = { error, result }))
  if (answer === undefined) throw new Error(`the inspector did not answer ${method} at once`)
  if (answer.error !== null) throw answer.error
  return answer.result
}
