"""Shared helpers of the Dask side of `pnpm bench:compare`: each script measures one
workload once and prints one JSON line, as the taskgraph side does."""
import json
import os
import resource
import sys
import time


def scheduler_options(executor, workers):
    """dask.compute keyword arguments for taskgraph's executor names."""
    names = {"inline": "sync", "threads": "threads", "processes": "processes"}
    if executor not in names:
        raise SystemExit(f"unknown executor {executor!r}: use inline, threads or processes")
    options = {"scheduler": names[executor]}
    if executor != "inline":
        options["num_workers"] = workers
    return options


def peak_rss_bytes():
    """Peak resident set size of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def report(**fields):
    fields.setdefault("engine", "dask")
    fields.setdefault("peakRssBytes", peak_rss_bytes())
    print(json.dumps(fields))
    sys.stdout.flush()


def now_ms():
    return time.perf_counter() * 1000


def workers_default():
    return int(os.environ.get("BENCH_WORKERS", "2"))
