"""Benchmark: peak resident memory of one ``lm-drift`` stage (target < 4 GiB).

Runs the ``lm-drift`` preset cut to one stage (the starting model's evaluation, one stage of LoRA
training, its evaluation and checkpoint) in a child process, and reads the child's peak RSS from the
operating system. Extra ``--set`` overrides pass through, e.g. ``--set world.steps_per_stage=2`` for a
quicker run.

    python benchmarks/bench_lm_memory.py [--set KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time

LIMIT_GIB = 4.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "driftlab.cli", "run", "lm-drift", "--set", "world.stages=1",
                   "--out", f"{tmp}/run", "--quiet"]
        for override in args.overrides:
            command += ["--set", override]
        started = time.perf_counter()
        subprocess.run(command, check=True)
        wall = time.perf_counter() - started
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # ru_maxrss is in KiB on Linux
    print(f"one lm-drift stage ({' '.join(args.overrides) or 'preset settings'}): {wall:.0f} s")
    print(f"peak RSS: {peak_gib:.2f} GiB; ratio to the {LIMIT_GIB:.0f} GiB limit: {peak_gib / LIMIT_GIB:.2f} (target < 1)")


if __name__ == "__main__":
    main()
