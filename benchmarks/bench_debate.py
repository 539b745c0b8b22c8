"""Benchmark: the debate world's games batched over images, against loops over images.

The argued protocols' four games per image (honest and lying consultant, debate with and without
precommitment) at k = 6 with greedy advocates, for the world's default judges (4 replicas, MLPs 128-128;
untrained, as the work does not depend on the weights), one torch thread, three ways:

- batched: ``protocol_outcomes`` on all images at once, what the world runs;
- per image: the same function on one image at a time (each image's 64 candidate reveals of its 4 games and
  4 judges still scored in one forward pass);
- per image and candidate: the game as first written, a loop over judges, images, games and moves that asks
  the judge (``BatchedMLP.replica``, a plain ``nn.Sequential``) about one candidate reveal at a time.

All three play the same games; the outcomes are checked equal. Prints ms per image of each and the ratios of
the batched game against each loop (target >= 10x), on CPU time (fairer on a shared machine) and wall time.

    python benchmarks/bench_debate.py [--images 200] [--loop-images 40] [--candidate-images 4]
"""

from __future__ import annotations

import argparse

import torch
from timing import Timer

from driftlab.nets import BatchedMLP
from driftlab.worlds.debate import (
    CLASSES,
    PIXELS,
    DebateConfig,
    judge_inputs,
    load_images,
    margin,
    protocol_outcomes,
    turns,
)


def per_candidate_outcomes(judge: BatchedMLP, pixels, truth, lie, honest_first, k: int) -> dict[str, torch.Tensor]:
    """The argued protocols' outcomes [R, n], one judge call per candidate reveal (greedy advocates)."""
    n, none = len(truth), torch.tensor(-1)
    outcomes = {name: torch.zeros(judge.replicas, n, dtype=torch.bool) for name in
                ("consultancy/honest/accuracy", "consultancy/liar/accuracy", "consultancy/liar/fool_rate",
                 "debate/accuracy", "debate-uncommitted/accuracy")}
    for r in range(judge.replicas):
        replica = judge.replica(r)
        for i in range(n):
            movers = turns(honest_first[i:i + 1], k)[0]
            games = {"consultancy/honest": (truth[i], none, torch.ones(k)),
                     "consultancy/liar": (lie[i], none, torch.ones(k)),
                     "debate": (truth[i], lie[i], movers), "debate-uncommitted": (truth[i], none, movers)}
            end = {}
            for name, (label, rival, sides) in games.items():
                revealed = torch.zeros(PIXELS, dtype=torch.bool)
                for side in sides:
                    best, best_value = None, -torch.inf
                    for pixel in (~revealed).nonzero().flatten():
                        candidate = revealed.clone()
                        candidate[pixel] = True
                        value = side * margin(replica(judge_inputs(pixels[i], candidate)), label, rival)
                        if value > best_value:
                            best, best_value = pixel, value
                    revealed[best] = True
                end[name] = replica(judge_inputs(pixels[i], revealed))
            consulted = end["consultancy/liar"].argmax()
            outcomes["consultancy/honest/accuracy"][r, i] = end["consultancy/honest"].argmax() == truth[i]
            outcomes["consultancy/liar/accuracy"][r, i] = consulted == truth[i]
            outcomes["consultancy/liar/fool_rate"][r, i] = consulted == lie[i]
            outcomes["debate/accuracy"][r, i] = margin(end["debate"], truth[i], lie[i]) > 0
            outcomes["debate-uncommitted/accuracy"][r, i] = margin(end["debate-uncommitted"], truth[i], none) > 0
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200, help="images of the batched game")
    parser.add_argument("--loop-images", type=int, default=40, help="images of the per-image loop")
    parser.add_argument("--candidate-images", type=int, default=4, help="images of the per-candidate loop")
    args = parser.parse_args()
    torch.set_num_threads(1)

    config = DebateConfig(pixels=6, strength="greedy")
    pixels, labels = (torch.from_numpy(a[: args.images]) for a in load_images())
    lie = (labels + 1 + torch.arange(args.images) % (CLASSES - 1)) % CLASSES
    first = torch.where(torch.arange(args.images) % 2 == 0, 1, -1)
    judge = BatchedMLP(config.replicas, [2 * PIXELS] + [config.judge.width] * config.judge.depth + [CLASSES], seed=0,
                       init_scale=2 ** 0.5)

    def outcomes(i: int, j: int) -> dict[str, torch.Tensor]:
        found = protocol_outcomes(judge, *(t[i:j] for t in (pixels, labels, lie, first)), config, torch.Generator())
        return {name: won for name, won in found.items() if not name.startswith(("alone", "consultancy/accuracy"))}

    with torch.no_grad():
        with Timer() as batched_time:
            batched = outcomes(0, args.images)
        with Timer() as loop_time:
            looped = [outcomes(i, i + 1) for i in range(args.loop_images)]
        m = args.candidate_images
        with Timer() as candidate_time:
            one_by_one = per_candidate_outcomes(judge, pixels[:m], labels[:m], lie[:m], first[:m], config.pixels)
    for name, won in batched.items():
        assert torch.equal(won[:, : args.loop_images], torch.cat([each[name] for each in looped], 1)), name
        assert torch.equal(won[:, :m], one_by_one[name]), name

    print(f"debate games, k = {config.pixels}, greedy, {config.replicas} judges "
          f"{config.judge.width}x{config.judge.depth}, 4 games per image, one thread (outcomes equal)")
    per_image = {"batched": (batched_time, args.images), "per image": (loop_time, args.loop_images),
                 "per image and candidate": (candidate_time, m)}
    for name, (timer, images) in per_image.items():
        print(f"  {name:<24} {1000 * timer.cpu / images:8.2f} ms/image CPU  "
              f"{1000 * timer.wall / images:8.2f} ms/image wall  ({images} images)")
    cpu, wall = (per_image["batched"][0].cpu / args.images, per_image["batched"][0].wall / args.images)
    for name in ("per image", "per image and candidate"):
        timer, images = per_image[name]
        print(f"  batched vs {name}: {timer.cpu / images / cpu:.1f}x CPU, {timer.wall / images / wall:.1f}x wall"
              " (target >= 10x)")


if __name__ == "__main__":
    main()
