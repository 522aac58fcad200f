// What a cluster worker counts as running: the calls on its pool of the runs it has jobs
// of. The pool tells a call's start as it hears of it, which may be after the call ended,
// and after its job was over (a run cancelled while its thread was replaced).
import { describe, expect, test } from 'vitest'
import { ActiveRuns } from '../src/worker/active-runs.js'

describe('ActiveRuns', () => {
  test('counts calls begun and not ended, of runs with jobs here', () => {
    const runs = new ActiveRuns()
    const job = runs.add('r1')
    const calls = runs.callsOnPool('r1')
    calls.started(1)
    calls.started(2)
    expect(runs.running).toBe(2)
    calls.ended(1)
    // Told to have begun after it ended: not counted.
    calls.ended(3)
    calls.started(3)
    expect(runs.running).toBe(1)
    expect(runs.abort('r1')).toBe(true)
    expect(job.signal.aborted).toBe(true)
    calls.ended(2)
    runs.remove('r1', job)
    expect(runs.running).toBe(0)
  })

  test('a start told after the run’s last job is over counts nowhere', () => {
    const runs = new ActiveRuns()
    const job = runs.add('r1')
    const calls = runs.callsOnPool('r1')
    calls.started(1)
    calls.ended(1)
    runs.remove('r1', job)
    // Late: through the count the job held, and through a fresh lookup of its run.
    calls.started(2)
    runs.callsOnPool('r1').started(3)
    expect(runs.running).toBe(0)
    expect(runs.ids).toEqual([])
    // A later job of the run counts its own calls again.
    const next = runs.add('r1')
    runs.callsOnPool('r1').started(4)
    expect(runs.running).toBe(1)
    runs.remove('r1', next)
    expect(runs.running).toBe(0)
  })
})
