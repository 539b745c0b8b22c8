"""Benchmark: a methods sweep's time with and without the shared starting evaluation and aligned start.

Every trial of a methods sweep starts from the same model, so with the eval cache (lm/eval_cache.py) only
the first trial evaluates it; the others read its results. With ``--align-steps N`` every trial also starts
by aligning the model (``world.align``, lm/align.py), which the first trial trains and caches and the
others read. Two trials (no method, L2-SP), two stages each, run twice in this one process: once with the
caches, once with them off (``DRIFTLAB_EVAL_CACHE=off``). The evaluation time of the second should drop by
the starting model's share of a trial's evaluations (one of the three evaluated stages, and the base model
with an aligned start) and the alignment time by half, for every trial after the first.

    python benchmarks/bench_lm_sweep_cache.py [--model smollm2|tiny-random] [--eval-items 20] [--align-steps 20]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path


def sweep_times(model: str, eval_items: int, align_steps: int, out: Path, cache: bool) -> tuple[float, dict]:
    """Run the two-trial sweep into ``out``: its wall time, and the trials' summed time split."""
    from driftlab.lm.eval_cache import CACHE_ENV, OFF
    from driftlab.sweep import resolve_sweep, run_sweeps

    world = {"type": "lm", "model": model, "device": "cpu", "stages": 2, "steps_per_stage": 2, "batch_size": 4,
             "max_seq_len": 192, "eval_items": eval_items, "capability_items": eval_items, "kl_prompts": 8,
             "bootstrap": 200, "align": {"steps": align_steps, "batch_size": 4} if align_steps else None}
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
    parser.add_argument("--align-steps", type=int, default=0, help="align every trial's model first (0: no)")
    args = parser.parse_args()
    from driftlab.lm.models import CACHE_ENV, smollm2_cache

    # SmolLM2 from its converted directory in the user's cache; aligned starts in a fresh cache of this run's
    model = str(smollm2_cache()) if args.model == "smollm2" else args.model
    with tempfile.TemporaryDirectory() as folder:
        os.environ[CACHE_ENV] = folder
        sweep_times(model, 2, min(args.align_steps, 1), Path(folder) / "warm-up", cache=False)  # first compiles
        off_wall, off = sweep_times(model, args.eval_items, args.align_steps, Path(folder) / "off", cache=False)
        on_wall, on = sweep_times(model, args.eval_items, args.align_steps, Path(folder) / "on", cache=True)
    print(f"model {args.model}: 2 trials x ({'base + ' if args.align_steps else ''}stage 0 + 2 stages), "
          f"{args.eval_items} items per eval part, {args.align_steps} alignment steps, workers 1")
    for name, wall, timing in (("without the cache", off_wall, off), ("with the cache", on_wall, on)):
        print(f"{name:18s}: wall {wall:6.1f} s; alignment {timing.get('align_s', 0):6.1f} s, training "
              f"{timing['training_s']:6.1f} s, evaluation {timing['evaluation_s']:6.1f} s; evaluations cached "
              f"{timing.get('evaluations_cached', 0):.0f}, aligned starts cached {timing.get('aligned_starts_cached', 0):.0f}")
    evaluated = 4 if args.align_steps else 3  # per trial: (base), stage 0, stages 1 and 2
    shared = 2 if args.align_steps else 1
    expected = 1 - 1 / 2 * (shared / evaluated)  # the second trial's base and start, half the trials
    print(f"evaluation time with / without: {on['evaluation_s'] / off['evaluation_s']:.2f} "
          f"(expected about {expected:.2f}: the starting evaluations of every trial after the first come from the cache)")
    if args.align_steps:
        print(f"alignment time with / without: {on['align_s'] / off['align_s']:.2f} (expected about 0.5: one of "
              "the two trials trains its aligned start, the other reads it)")
    print(f"sweep wall time ratio without / with: {off_wall / on_wall:.2f}x")


if __name__ == "__main__":
    main()
