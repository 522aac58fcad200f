"""Fan-out + sum: inc(0) ... inc(N-1) and one sum, built with dask.delayed, then computed.
usage: fanout_sum.py EXECUTOR N"""
import sys

import dask
from dask import delayed

from common import now_ms, report, scheduler_options, workers_default


def inc(x):
    return x + 1


def total(values):
    return sum(values)


def main():
    executor, n = sys.argv[1], int(sys.argv[2])
    started = now_ms()
    leaves = [delayed(inc)(i) for i in range(n)]
    graph = delayed(total)(leaves)
    built = now_ms()
    (result,) = dask.compute(graph, **scheduler_options(executor, workers_default()))
    computed = now_ms()
    assert result == n * (n + 1) // 2, result
    report(workload="fanout-sum", executor=executor, n=n, tasks=n + 1,
           buildMs=built - started, computeMs=computed - built, wallMs=computed - started)


if __name__ == "__main__":
    main()
