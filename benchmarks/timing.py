"""What the benchmarks share: timing a block by wall clock and by this process's CPU time."""

from __future__ import annotations

import time


class Timer:
    """Wall-clock and CPU seconds of a block. On a shared machine the CPU time of this process is the
    fairer basis for the ratio: other processes slow the wall clock of whichever side they overlap."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
