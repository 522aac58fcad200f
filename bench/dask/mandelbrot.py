"""The lesson's Mandelbrot test case (1024 x 1024, max_iter 1024, centre -1.1195+0.2718i,
extent 0.005+0.005i) as n x n tiles, each a dask.delayed task, put back with np.block.
Tiles are computed with numpy, iterating only the points still inside |z| < 2.
usage: mandelbrot.py EXECUTOR TILES_PER_SIDE"""
import sys

import dask
import numpy as np
from dask import delayed

from common import now_ms, report, scheduler_options, workers_default

WIDTH = HEIGHT = 1024
CENTER = -1.1195 + 0.2718j
EXTENT = 0.005 + 0.005j
MAX_ITER = 1024


def tile(x0, x1, y0, y1):
    scale = max(EXTENT.real / WIDTH, EXTENT.imag / HEIGHT)
    i = np.arange(x0, x1)
    j = np.arange(y0, y1)
    c = CENTER + ((i[None, :] - WIDTH // 2) + (j[:, None] - HEIGHT // 2) * 1j) * scale
    z = np.zeros_like(c)
    counts = np.full(c.shape, MAX_ITER - 1, dtype=np.int64)
    active = np.ones(c.shape, dtype=bool)
    for k in range(MAX_ITER):
        z[active] = z[active] ** 2 + c[active]
        escaped = active & ((z.real ** 2 + z.imag ** 2) >= 4.0)
        counts[escaped] = k
        active &= ~escaped
        if not active.any():
            break
    return counts


def assemble(rows):
    return np.block(rows)


def main():
    executor, n = sys.argv[1], int(sys.argv[2])
    w, h = WIDTH // n, HEIGHT // n
    started = now_ms()
    rows = [[delayed(tile)(tx * w, WIDTH if tx == n - 1 else (tx + 1) * w,
                           ty * h, HEIGHT if ty == n - 1 else (ty + 1) * h)
             for tx in range(n)] for ty in range(n)]
    (image,) = dask.compute(delayed(assemble)(rows), **scheduler_options(executor, workers_default()))
    finished = now_ms()
    assert image.shape == (HEIGHT, WIDTH)
    report(workload="mandelbrot", executor=executor, n=n * n, tasks=n * n + 1,
           wallMs=finished - started, checksum=int(image.sum()))


if __name__ == "__main__":
    main()
