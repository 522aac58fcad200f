"""Dask's distributed.LocalCluster: 2 worker processes of 1 thread each, and a Client on it.
fanout-sum, chain and pi time the compute alone, the cluster up and both workers connected;
ready times starting the cluster until both workers are connected.
usage: cluster.py WORKLOAD N   (fanout-sum N | chain N | pi N | ready 2)"""
import logging
import sys

from dask import delayed
from distributed import Client, LocalCluster

from common import now_ms, report
from pi import calc_pi, mean, samples_for

WORKERS = 2


def inc(x):
    return x + 1


def total(values):
    return sum(values)


def graph_of(workload, n):
    """The workload's graph, its task count, a check of its result and compute's options."""
    if workload == "fanout-sum":
        graph = delayed(total)([delayed(inc)(i) for i in range(n)])
        return graph, n + 1, lambda value: value == n * (n + 1) // 2, {}
    if workload == "chain":
        graph = delayed(inc)(0)
        for _ in range(n - 1):
            graph = delayed(inc)(graph)
        # Unoptimised: Dask would otherwise fuse the chain into a single task.
        return graph, n, lambda value: value == n, {"optimize_graph": False}
    if workload == "pi":
        samples = samples_for(0.25)  # as pi.py: ~0.25 s per task on one core here
        graph = delayed(mean)([delayed(calc_pi)(samples) for _ in range(n)])
        return graph, n + 1, lambda value: abs(value - 3.14159) < 0.05, {}
    raise SystemExit(f"unknown workload {workload!r}: use fanout-sum, chain, pi or ready")


def main():
    workload, n = sys.argv[1], int(sys.argv[2])
    if workload != "ready":
        graph, tasks, check, options = graph_of(workload, n)
    started = now_ms()
    # No Bokeh dashboard (the scheduler still opens its small HTTP server, which 2022.12
    # cannot turn off); logs below ERROR silenced in the scheduler and the workers.
    cluster = LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster)
    client.wait_for_workers(WORKERS)
    ready = now_ms()
    if workload != "ready":
        value = client.compute(graph, **options).result()
        compute_ms = now_ms() - ready
    client.close()
    cluster.close()
    # Reported with the cluster down, so that this is the last line on stdout.
    if workload == "ready":
        report(workload=workload, n=n, readyMs=ready - started)
    else:
        assert check(value), value
        report(workload=workload, n=n, tasks=tasks, computeMs=compute_ms,
               msPerTask=compute_ms / tasks, tasksPerSecond=tasks * 1000 / compute_ms)


# Needed: the worker processes are spawned and import this file again.
if __name__ == "__main__":
    main()
