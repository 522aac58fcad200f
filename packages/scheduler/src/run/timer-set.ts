/** Timers a run has set, so that all can be cleared when it ends. */
export class TimerSet {
  private readonly timers = new Set<NodeJS.Timeout>()

  /**
   * Runs `action` after `ms`. `keepAlive: false`: the timer alone does not keep the
   * process running (it only bounds a wait that something else must end).
   */
  start(ms: number, action: () => void, { keepAlive = true } = {}): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      action()
    }, ms)
    if (!keepAlive) timer.unref()
    this.timers.add(timer)
    return timer
  }

  clear(timer: NodeJS.Timeout | undefined): void {
    if (timer === undefined) return
    clearTimeout(timer)
    this.timers.delete(timer)
  }

  clearAll(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }
}
