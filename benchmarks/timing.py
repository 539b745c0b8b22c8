"""What the benchmarks share: timing a block by wall clock and by this process's CPU time, and the options of
the language-model benchmarks."""

from __future__ import annotations

import argparse
import time


class Timer:
    """Wall-clock and CPU seconds of a block. On a shared machine the CPU time of this process is the
    fairer basis for the ratio: other processes slow the wall clock of whichever side they overlap."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def lm_arguments(description: str, items: int = 24) -> argparse.ArgumentParser:
    """The options every language-model benchmark takes (add its own, then call :func:`parse_lm_arguments`)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--items", type=int, default=items)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's choice); 1 makes the ratio less sensitive to other load")
    return parser


def parse_lm_arguments(parser: argparse.ArgumentParser) -> argparse.Namespace:
    import torch

    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    return args
