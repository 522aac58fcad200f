// The codes of taskgraph's errors, as a program importing 'taskgraph' sees them: one
// union, each package's codes in it, so that a misspelt code does not compile.
import { describe, expectTypeOf, test } from 'vitest'
import {
  type TaskError,
  TaskgraphError,
  type TaskgraphErrorCode,
  type TaskgraphErrorCodes,
} from 'taskgraph'

describe('TaskgraphError#code', () => {
  test('is the union of every package’s codes', () => {
    expectTypeOf<TaskgraphError['code']>().toEqualTypeOf<TaskgraphErrorCode>()
    // core, scheduler, patterns, observe, cache, the command
    expectTypeOf<'ERR_KEY_CLASH'>().toMatchTypeOf<TaskgraphErrorCode>()
    expectTypeOf<'ERR_TASK_FAILED'>().toMatchTypeOf<TaskgraphErrorCode>()
    expectTypeOf<'ERR_NOT_COMPUTED'>().toMatchTypeOf<TaskgraphErrorCode>()
    expectTypeOf<'ERR_FILE_WRITE'>().toMatchTypeOf<TaskgraphErrorCode>()
    expectTypeOf<'ERR_CACHE_ACCESS'>().toMatchTypeOf<TaskgraphErrorCode>()
    expectTypeOf<'ERR_WORKFLOW_LOAD'>().toMatchTypeOf<TaskgraphErrorCode>()
    expectTypeOf<string>().not.toMatchTypeOf<TaskgraphErrorCode>()
  })

  test('maps each code to the class that has it', () => {
    expectTypeOf<TaskgraphErrorCodes['ERR_TASK_FAILED']>().toEqualTypeOf<TaskError>()
  })

  test('a misspelt code compared with it does not compile', () => {
    const check = (error: unknown): boolean => {
      if (!(error instanceof TaskgraphError)) return false
      // @ts-expect-error -- no code is spelt so: the comparison could never be true
      return error.code === 'ERR_TASK_FAILD'
    }
    expectTypeOf(check).returns.toEqualTypeOf<boolean>()
  })
})
