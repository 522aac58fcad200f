"""Cold start: a whole process that builds and computes a one-task graph. The compare
harness times the process from outside."""
import dask
from dask import delayed


def inc(x):
    return x + 1


print(dask.compute(delayed(inc)(1))[0])
