"""Chains: C independent chains of L trivial tasks each, gathered.
usage: chains.py EXECUTOR CHAINS LENGTH"""
import sys

import dask
from dask import delayed

from common import now_ms, report, scheduler_options, workers_default


def inc(x):
    return x + 1


def main():
    executor, chains, length = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    started = now_ms()
    ends = []
    for c in range(chains):
        value = delayed(inc)(c)
        for _ in range(length - 1):
            value = delayed(inc)(value)
        ends.append(value)
    built = now_ms()
    results = dask.compute(*ends, **scheduler_options(executor, workers_default()))
    computed = now_ms()
    assert list(results) == [c + length for c in range(chains)]
    report(workload="chains", executor=executor, n=chains * length, tasks=chains * length,
           buildMs=built - started, computeMs=computed - built, wallMs=computed - started)


if __name__ == "__main__":
    main()
