"""Run every preset and built-in sweep small enough for a CPU, and compare their tables with an earlier capture.

    python tools/preset_tables.py capture DIR     # run them all into DIR
    python tools/preset_tables.py compare A B     # every metrics.parquet of A equal, bit for bit, to B's

Used to check that a refactor changes no number: capture before, capture after, compare.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

RUNS = ["evolution-post", "evolution-uniform-prior", "gradient-baseline", "gradient-no-penalty", "gradient-noiseless",
        "gradient-tax-0.1", "gradient-tax-0.005", "lm-drift-smoke", "lm-organism-smoke", "lm-aligned-drift-smoke",
        "simplicity-decay", "simplicity-conjunction", "simplicity-adamw", "simplicity-new-skill", "probe-frozen",
        "probe-no-penalty", "probe-rotation", "probe-evasion-cost", "debate-smoke"]
SWEEPS = ["methods-gradient", "methods-lm-smoke", "methods-simplicity"]


def capture(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=False)
    for preset in RUNS:
        subprocess.run(["driftlab", "run", preset, "--quiet", "--out", str(out / preset)], check=True)
    for sweep in SWEEPS:
        subprocess.run(["driftlab", "sweep", sweep, "--quiet", "--out", str(out / sweep)], check=True)


def tables(root: Path) -> dict[str, pd.DataFrame]:
    return {str(p.relative_to(root)): pd.read_parquet(p) for p in sorted(root.rglob("metrics.parquet"))}


def compare(a: Path, b: Path) -> int:
    left, right = tables(a), tables(b)
    problems = sorted(set(left) ^ set(right))
    for name in problems:
        print(f"only in one capture: {name}")
    for name in sorted(set(left) & set(right)):
        x, y = left[name], right[name]
        drop = [c for c in ("trial",) if c in x]
        x = x.drop(columns=drop).sort_values(list(x.columns.drop(drop).drop("value"))).reset_index(drop=True)
        y = y.drop(columns=drop).sort_values(list(y.columns.drop(drop).drop("value"))).reset_index(drop=True)
        same = x.shape == y.shape and all(
            np.array_equal(x[c].to_numpy(), y[c].to_numpy(), equal_nan=x[c].dtype.kind == "f") for c in x.columns)
        print(f"{'same' if same else 'DIFFERENT'}  {name}  ({len(x)} rows)")
        problems += [] if same else [name]
    return 1 if problems else 0


if __name__ == "__main__":
    command, *paths = sys.argv[1:]
    if command == "capture":
        capture(Path(paths[0]))
    else:
        sys.exit(compare(Path(paths[0]), Path(paths[1])))
