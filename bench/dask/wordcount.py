"""The lesson's word count with dask.bag over the example text: lines in partitions,
words lower-cased, frequencies, the ten most frequent.
usage: wordcount.py EXECUTOR PARTITIONS PATH"""
import re
import sys

import dask
import dask.bag as db

from common import now_ms, report, scheduler_options, workers_default

WORD = re.compile(r"[a-z]+")


def words(line):
    return WORD.findall(line.lower())


def main():
    executor, partitions, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    started = now_ms()
    top = db.from_sequence(lines, npartitions=partitions).map(words).flatten() \
        .frequencies().topk(10, key=lambda pair: pair[1])
    (result,) = dask.compute(top, **scheduler_options(executor, workers_default()))
    finished = now_ms()
    report(workload="wordcount", executor=executor, n=len(lines), tasks=None,
           wallMs=finished - started, top=[list(pair) for pair in result])


if __name__ == "__main__":
    main()
