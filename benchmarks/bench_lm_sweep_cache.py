"""Benchmark: a methods sweep's evaluation time with and without the shared starting evaluation.

Every trial of a methods sweep starts from the same model, so with the eval cache (lm/eval_cache.py) only
the first trial evaluates it; the others read its results. Two trials (no method, L2-SP), two stages each,
run twice in this one process: once with the cache a sweep sets up in its directory, once with it off
(``DRIFTLAB_EVAL_CACHE=off``). The evaluation time of the second should drop by the starting model's share of
a trial's evaluations (one of the three evaluated stages), for every trial after the first.

    python benchmarks/bench_lm_sweep_cache.py [--model smollm2|tiny-random] [--eval-items 20]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path


def sweep_times(model: str, eval_items: int, out: Path, cache: bool) -> tuple[float, float, dict]:
    """Run the two-trial sweep into ``out``: its wall time, and the trials' summed time split."""
    from driftlab.lm.eval_cache import CACHE_ENV, OFF
    from driftlab.sweep import resolve_sweep, run_sweeps

    world = {"type": "lm", "model": model, "device": "cpu", "stages": 2, "steps_per_stage": 2, "batch_size": 4,
             "max_seq_len": 192, "eval_items": eval_items, "capability_items": eval_items, "kl_prompts": 8,
             "bootstrap": 200}
    sweep = resolve_sweep({"name": "cache-bench", "base": "lm-drift-smoke", "set": {"world": world}, "seeds": [0],
                           "points": [{"label": "no method", "methods": []},
                                      {"label": "l2-to-initial", "methods": [{"name": "l2-to-initial", "weight": 1.0}]}]})
    if not cache:
        os.environ[CACHE_ENV] = OFF
    try:
        started = time.perf_counter()
        (result,) = run_sweeps([(sweep, out)], workers=1, quiet=True)
        wall = time.perf_counter() - started
    finally:
        os.environ.pop(CACHE_ENV, None)
    assert not result.failed, json.loads((out / "trials.json").read_text())
    return wall, result.timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--eval-items", type=int, default=20, help="items per eval part, and capability examples")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sweep_times(args.model, 2, Path(folder) / "warm-up", cache=False)  # loads, conversions, first compiles
        off_wall, off = sweep_times(args.model, args.eval_items, Path(folder) / "off", cache=False)
        on_wall, on = sweep_times(args.model, args.eval_items, Path(folder) / "on", cache=True)
    print(f"model {args.model}: 2 trials x (stage 0 + 2 stages), {args.eval_items} items per eval part, workers 1")
    for name, wall, timing in (("without the cache", off_wall, off), ("with the cache", on_wall, on)):
        print(f"{name:18s}: wall {wall:6.1f} s; training {timing['training_s']:6.1f} s, evaluation "
              f"{timing['evaluation_s']:6.1f} s; evaluations cached {timing.get('evaluations_cached', 0):.0f}")
    expected = 1 - 1 / 2 * (1 / 3)  # the second trial's stage 0: a third of its evaluated stages, half the trials
    print(f"evaluation time with / without: {on['evaluation_s'] / off['evaluation_s']:.2f} "
          f"(expected about {expected:.2f}: stage 0 of every trial after the first comes from the cache)")
    print(f"sweep wall time ratio without / with: {off_wall / on_wall:.2f}x")


if __name__ == "__main__":
    main()
