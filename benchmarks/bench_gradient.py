"""Benchmark: driftlab's batched gradient world against a per-replica plain-Python reference.

The reference trains one replica at a time with Python floats, NumPy scalar draws and the gradient of
the spec's loss written out by hand; driftlab trains all replicas as one batch on the same written-out
gradient (its default, `gradient: analytic`), and the script also times its `gradient: autograd` path
for comparison. All run the `gradient-baseline` preset at 1,000 replicas x 20,000 steps in this one
process; the reference is slow, so it runs a subset of the replicas and its time is scaled per
replica-step. The script prints the speed ratio (targets:
>= 20x, driftlab < 30 s) and checks that both agree statistically. `tests/test_gradient.py` imports
`reference_run` for a small agreement test.

    python benchmarks/bench_gradient.py [--replicas 1000] [--steps 20000] [--reference-replicas 100]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from timing import Timer

FINALS = ("alignment", "detector_bias", "detector_variance", "corrections")


def reference_run(replicas: int, steps: int, seed: int, *, lr: float, penalty: float, penalty_prob: float,
                  eps: float, clip_alignment: bool) -> dict[str, np.ndarray]:
    """Plain SGD on the spec's loss, replica after replica; final values and event statistics per replica."""
    rng = np.random.default_rng(seed)
    finals = {name: np.empty(replicas) for name in (*FINALS, "first_slip_step")}
    for replica in range(replicas):
        c, a, b, v = 0.0, 1.0, 0.0, 1.0
        corrections, first_slip = 0, math.nan
        for step in range(steps):
            n = rng.standard_normal()
            penalized = rng.random() < penalty_prob
            z = 1.0 + eps * v * n
            raw = (a + b) * z
            reading = min(1.0, raw)
            if math.isnan(first_slip) and a < 0.5 and reading >= 0.95:
                first_slip = step
            # d loss / d(c, a, b, v) for loss = -(c + min(1, (a + b) z) - penalty * a * [penalized])
            grad_a = grad_b = grad_v = 0.0
            if raw < 1.0:  # a saturated reading passes no gradient
                grad_a = grad_b = -z
                grad_v = -(a + b) * eps * n
            if penalized:
                grad_a += penalty
            before = a
            c, a, b, v = c + lr, a - lr * grad_a, b - lr * grad_b, v - lr * grad_v
            if clip_alignment:
                a = min(1.0, max(0.0, a))
            corrections += reading < 1.0 and a > before
        finals["alignment"][replica], finals["detector_bias"][replica] = a, b
        finals["detector_variance"][replica], finals["corrections"][replica] = v, corrections
        finals["first_slip_step"][replica] = first_slip
    return finals


def driftlab_run(replicas: int, steps: int, seed: int = 0, gradient: str = "analytic"):
    """Time `gradient-baseline` in driftlab (training and recording, no files); its final values per replica."""
    from driftlab.config import resolve
    from driftlab.methods.base import MethodStack
    from driftlab.progress import Progress
    from driftlab.registry import WORLDS
    from driftlab.slip import FIRST_STEP
    from driftlab.table import Recorder

    config, _ = resolve("gradient-baseline", [f"world.replicas={replicas}", f"world.steps={steps}",
                                              "world.record.schedule=log", f"world.gradient={gradient}"], seed)
    world = WORLDS.get("gradient", "world.type")(config.world, MethodStack.from_configs(config.methods),
                                                 config.seed, Path("."))
    recorder = Recorder(replicas)
    with Timer() as timer:
        world.run(recorder, Progress(quiet=True))
    table = recorder.table()
    final = table[table["step"] == steps].pivot(index="replica", columns="metric", values="value")
    return timer, {**{name: final[name].to_numpy() for name in FINALS}, "first_slip_step": final[FIRST_STEP].to_numpy()}


def agreement(ours: np.ndarray, theirs: np.ndarray) -> tuple[float, float, float]:
    """Means of two samples and the z-score of their difference (NaNs, e.g. never slipped, dropped)."""
    ours, theirs = ours[np.isfinite(ours)], theirs[np.isfinite(theirs)]
    error = math.sqrt(ours.var(ddof=1) / ours.size + theirs.var(ddof=1) / theirs.size)
    difference = ours.mean() - theirs.mean()
    return ours.mean(), theirs.mean(), (difference / error if error > 0 else (0.0 if difference == 0 else math.inf))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--reference-replicas", type=int, default=100,
                        help="replicas the reference runs (it is slow); its time is scaled per replica-step")
    args = parser.parse_args()

    from driftlab.config import resolve

    world = resolve("gradient-baseline")[0].world
    options = dict(lr=world.lr, penalty=world.penalty, penalty_prob=world.penalty_prob, eps=world.eps,
                   clip_alignment=world.clip_alignment)
    driftlab_run(args.replicas, 200, seed=99)  # warm-up: imports, first allocations
    ours_time, ours = driftlab_run(args.replicas, args.steps)
    autograd_time, _ = driftlab_run(args.replicas, args.steps, gradient="autograd")
    with Timer() as reference_time:
        theirs = reference_run(args.reference_replicas, args.steps, seed=1, **options)
    scale = args.replicas / args.reference_replicas  # the reference's cost is linear in replicas
    print(f"gradient-baseline, {args.replicas:,} replicas x {args.steps:,} steps "
          f"(reference measured on {args.reference_replicas} replicas and scaled x{scale:g})")
    print("                                      wall s     CPU s   us/step (CPU)")
    for label, timer, factor in [("driftlab (one batch)", ours_time, 1.0),
                                 ("  the same, gradient: autograd", autograd_time, 1.0),
                                 ("reference (per replica, Python)", reference_time, scale)]:
        print(f"  {label:<33} {timer.wall * factor:8.2f} {timer.cpu * factor:9.2f} "
              f"{timer.cpu * factor / args.steps * 1e6:9.0f}")
    ratio_cpu = reference_time.cpu * scale / ours_time.cpu
    ratio_wall = reference_time.wall * scale / ours_time.wall
    print(f"  speed-up of driftlab's default: {ratio_cpu:.1f}x on CPU time, {ratio_wall:.1f}x on wall time "
          f"(target >= 20x; with autograd {reference_time.cpu * scale / autograd_time.cpu:.1f}x); "
          f"driftlab under 30 s: {'yes' if ours_time.wall < 30 else 'NO'}")
    print(f"agreement, driftlab ({args.replicas} replicas) vs reference ({args.reference_replicas} replicas):")
    worst = 0.0
    for name in (*FINALS, "first_slip_step"):
        mean_ours, mean_theirs, z = agreement(ours[name], theirs[name])
        worst = max(worst, abs(z))
        print(f"  final {name:<18} {mean_ours:10.4f} vs {mean_theirs:10.4f}   z = {z:+.2f}")
    print(f"  {'agree' if worst < 4 else 'DISAGREE'} (largest |z| = {worst:.2f}; threshold 4)")


if __name__ == "__main__":
    main()
