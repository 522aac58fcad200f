"""Monte Carlo pi, the lesson's calc_pi, as TASKS tasks of about 0.25 s each, averaged.
usage: pi.py EXECUTOR TASKS"""
import random
import sys
import time

import dask
from dask import delayed

from common import now_ms, report, scheduler_options, workers_default


def calc_pi(n):
    m = 0
    for _ in range(n):
        x = random.uniform(-1, 1)
        y = random.uniform(-1, 1)
        if x * x + y * y < 1.0:
            m += 1
    return 4 * m / n


def mean(values):
    return sum(values) / len(values)


def samples_for(seconds):
    """Samples that take about `seconds` here."""
    probe = 200_000
    started = time.perf_counter()
    calc_pi(probe)
    return int(probe * seconds / (time.perf_counter() - started))


def main():
    executor, tasks = sys.argv[1], int(sys.argv[2])
    samples = samples_for(0.25)
    started = now_ms()
    estimate = delayed(mean)([delayed(calc_pi)(samples) for _ in range(tasks)])
    (value,) = dask.compute(estimate, **scheduler_options(executor, workers_default()))
    finished = now_ms()
    assert abs(value - 3.14159) < 0.05, value
    report(workload="pi", executor=executor, n=tasks, tasks=tasks + 1, wallMs=finished - started)


if __name__ == "__main__":
    main()
