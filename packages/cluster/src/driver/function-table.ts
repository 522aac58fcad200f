import type { ModuleFunction } from '../wire/job.js'

/** The functions of one job, each listed once; calls name them by index. */
export class FunctionTable {
  readonly functions: ModuleFunction[] = []
  private readonly indexOf = new Map<ModuleFunction, number>()

  index(fn: ModuleFunction): number {
    let i = this.indexOf.get(fn)
    if (i === undefined) {
      i = this.functions.push(fn) - 1
      this.indexOf.set(fn, i)
    }
    return i
  }
}
