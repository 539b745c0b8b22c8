"""Benchmark: the simplicity world's batched replicas against a per-replica loop doing the same work.

Both train R two-layer MLPs (the world's default network) with SGD and each replica's own L2 weight decay,
on the same pre-drawn batches, for ``--steps`` steps, one torch thread: driftlab as one ``BatchedMLP``
stepped by ``TrainingStep`` with per-replica decay (what the world's phase 2 runs), the reference as R
``torch.nn.Sequential`` models with R ``torch.optim.SGD(weight_decay=wd)``. Prints ms per step of each
and the ratio, on CPU time (fairer on a shared machine) and wall time. The two start from the same weights
and must end at the same weights (to float32 rounding), so the ratio compares the same work.

    python benchmarks/bench_simplicity.py [--replicas 80] [--steps 300] [--width 32]
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from timing import Timer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=80)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(1)

    from driftlab.methods.base import MethodStack, TrainContext
    from driftlab.nets import BatchedMLP
    from driftlab.training import TrainingStep, make_optimizer
    from driftlab.worlds.simplicity import Pair

    replicas, lr = args.replicas, 0.1
    pair = Pair("majority", 5, 4, 0.5)
    sizes = [pair.dim, args.width, args.width, 1]
    generator = torch.Generator().manual_seed(0)
    batches = [pair.sample(replicas * args.batch, "on", generator)[:2] for _ in range(args.steps)]
    batches = [(x.view(replicas, args.batch, -1), y.view(replicas, args.batch)) for x, y in batches]
    decay = torch.linspace(0, 0.1, replicas, dtype=torch.float64)

    model = BatchedMLP(replicas, sizes, seed=0)
    start = model.select(range(replicas))  # the reference starts here too
    parameters = dict(model.named_parameters())
    step = TrainingStep(MethodStack([]), make_optimizer("sgd", parameters.values(), lr, decay))
    ctx = TrainContext(world=None, parameters=parameters, model=model, replica_dim=0)

    def losses(parts):
        x, y = parts[0]
        return [[F.binary_cross_entropy_with_logits(model(x)[0][..., 0], y, reduction="none").mean(-1)]]

    step(ctx, batches[0], losses)  # warm-up: the optimizer's first step imports and allocates
    with Timer() as batched:
        for batch in batches[1:]:
            step(ctx, batch, losses)

    nets = [start.replica(r) for r in range(replicas)]
    optimizers = [torch.optim.SGD(net.parameters(), lr=lr, weight_decay=float(d)) for net, d in zip(nets, decay)]
    for x, y in batches[:1]:  # the same warm-up step
        for r, (net, opt) in enumerate(zip(nets, optimizers)):
            F.binary_cross_entropy_with_logits(net(x[r])[..., 0], y[r]).backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
    with Timer() as loop:
        for x, y in batches[1:]:
            for r, (net, opt) in enumerate(zip(nets, optimizers)):
                F.binary_cross_entropy_with_logits(net(x[r])[..., 0], y[r]).backward()
                opt.step()
                opt.zero_grad(set_to_none=True)

    difference = max((net[0].weight.T - model.weights[0][r]).abs().max().item() for r, net in enumerate(nets))
    timed = args.steps - 1
    print(f"{replicas} replicas, width {args.width}, batch {args.batch}, SGD + per-replica L2, {timed} steps, 1 thread")
    for label, timer in (("driftlab (one batch)", batched), ("per-replica loop", loop)):
        print(f"  {label:<22} {timer.cpu / timed * 1e3:7.2f} ms/step CPU   {timer.wall / timed * 1e3:7.2f} ms/step wall")
    print(f"  ratio: {loop.cpu / batched.cpu:.1f}x on CPU time, {loop.wall / batched.wall:.1f}x on wall time; "
          f"largest first-layer weight difference at the end {difference:.1e} (same work)")


if __name__ == "__main__":
    main()
