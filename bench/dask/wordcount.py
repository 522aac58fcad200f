"""The word count of examples/wordcount.ts with dask.bag: PARTITIONS tasks each read their
share of the text's lines, words are lower-cased (letters with inner apostrophes), counted
with frequencies() and ranked with topk(10).
usage: wordcount.py EXECUTOR PARTITIONS PATH"""
import math
import re
import sys
from collections import Counter

import dask
import dask.bag as db
from dask import delayed

from common import now_ms, report, scheduler_options, workers_default

WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def read_lines(path, part, parts):
    """Part `part` of `parts` of the file's lines, read by the task that needs them."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    size = math.ceil(len(lines) / parts)
    return lines[part * size:(part + 1) * size]


def words_of(line):
    return WORD.findall(line.lower())


def by_count(pair):
    return pair[1]


def main():
    executor, parts, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    started = now_ms()
    lines = db.from_delayed([delayed(read_lines)(path, part, parts) for part in range(parts)])
    top = lines.map(words_of).flatten().frequencies().topk(10, key=by_count)
    built = now_ms()
    (result,) = dask.compute(top, **scheduler_options(executor, workers_default()))
    finished = now_ms()
    plain = Counter(word for line in read_lines(path, 0, 1) for word in words_of(line))
    assert [list(pair) for pair in result] == [list(pair) for pair in plain.most_common(10)], result
    report(workload="wordcount", executor=executor, n=parts, tasks=len(top.__dask_graph__()),
           buildMs=built - started, computeMs=finished - built, wallMs=finished - started,
           top=[list(pair) for pair in result])


if __name__ == "__main__":
    main()
