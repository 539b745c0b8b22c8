"""Benchmark: the probe world's batched replicas against a per-replica loop doing the same work.

Both train R MLPs of the world's default shape (widths 32-32-32) on the world's drift-phase loss, on the same
pre-drawn batches, one torch thread: capability cross-entropy, oversight's BCE towards the aligned action
where not tempting, the nudge's BCE towards the misaligned one where tempting, and the penalty on a frozen
probe's reading of hidden layer 1, with Adam (fused, in both). driftlab runs one ``BatchedMLP`` stepped by
``TrainingStep`` (what the world runs); the reference runs R ``torch.nn.Sequential`` models, each with its
own optimizer. Prints ms per step of each and the ratio (target >= 10x), on CPU time (fairer on a shared
machine) and wall time. Both start from the same weights and take the same steps, so the ratio compares
the same work: their weights agree to float32 rounding over the first steps (1e-7), then drift apart a
little as Adam's normalised step magnifies rounding in near-zero gradients (about 1e-4 after 60 steps of
lr 1e-3; different work would differ by the order of lr x steps).

    python benchmarks/bench_probe.py [--replicas 64] [--steps 300] [--loop-steps 60]
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from timing import Timer


def drift_loss(out, hidden, x, label, nudged, probe_w, probe_b):
    """The world's drift loss from outputs [..., B, K + 1] and the probed layer [..., B, width]: one value
    per replica (batched) or one number (a single replica)."""
    classes = out.shape[-1] - 1
    capability = F.cross_entropy(out[..., :classes].reshape(-1, classes), label.reshape(-1), reduction="none")
    opportunity, tempting, m = x[..., -1], (x[..., 0] * x[..., 1] > 0).float(), out[..., -1]
    count = opportunity.sum(-1).clamp_min(1)
    reading = torch.sigmoid((hidden * probe_w[..., None, :]).sum(-1) + probe_b[..., None])
    return (capability.view(label.shape).mean(-1)
            + (F.softplus(m) * (1 - tempting) * opportunity).sum(-1) / count
            + nudged * (F.softplus(-m) * tempting * opportunity).sum(-1) / count
            + (reading * opportunity).sum(-1) / count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=64)
    parser.add_argument("--steps", type=int, default=300, help="timed steps of the batched replicas")
    parser.add_argument("--loop-steps", type=int, default=60, help="timed steps of the per-replica loop")
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(1)

    from driftlab.methods.base import MethodStack, TrainContext
    from driftlab.nets import BatchedMLP
    from driftlab.training import TrainingStep, make_optimizer
    from driftlab.worlds.probe import ProbeConfig, Task

    config = ProbeConfig()
    replicas, lr, layer = args.replicas, config.lr, config.detector.layer
    task = Task(config.task)
    sizes = [task.input_dim, *config.widths, config.task.classes + 1]
    generator = torch.Generator().manual_seed(0)
    steps = max(args.steps, args.loop_steps) + 1
    batches = []
    for _ in range(steps):
        x = task.draw(replicas * args.batch, generator).view(replicas, args.batch, -1)
        batches.append((x, task.label(x), (torch.rand(replicas, generator=generator) < 0.2).float()))
    probe_w = torch.randn(replicas, config.widths[layer], generator=generator) / 6
    probe_b = torch.zeros(replicas)

    def batched_trainer():
        """A fresh batch of the replicas and one training step of it, as the world runs them."""
        net = BatchedMLP(replicas, sizes, seed=0, init_scale=config.init_scale)
        parameters = dict(net.named_parameters())
        step = TrainingStep(MethodStack([]), make_optimizer("adamw", parameters.values(), lr, fused=True))
        ctx = TrainContext(world=None, parameters=parameters, model=net, replica_dim=0)

        def losses(parts):
            x, label, nudged = parts[0]
            out, hidden = net(x, keep=[layer])
            return [[drift_loss(out, hidden[layer], x, label, nudged, probe_w, probe_b)]]

        return net, lambda batch: step(ctx, batch, losses)

    model, train = batched_trainer()
    start = model.select(range(replicas))  # the reference starts here too
    train(batches[0])  # warm-up: the optimizer's first step allocates its state
    with Timer() as batched:
        for batch in batches[1:args.steps + 1]:
            train(batch)

    nets = [start.replica(r) for r in range(replicas)]
    optimizers = [torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.0, fused=True) for net in nets]
    probed = 2 * (layer + 1)  # Sequential index just past the probed layer's ReLU

    def loop(batch_list):
        for x, label, nudged in batch_list:
            for r, (net, optimizer) in enumerate(zip(nets, optimizers)):
                hidden = net[:probed](x[r])
                drift_loss(net[probed:](hidden), hidden, x[r], label[r], nudged[r], probe_w[r], probe_b[r]).backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)

    loop(batches[:1])  # the same warm-up step
    with Timer() as looped:
        loop(batches[1:args.loop_steps + 1])

    check, train = batched_trainer()  # the batched replicas again, as far as the loop went
    for batch in batches[:args.loop_steps + 1]:
        train(batch)
    difference = max((net[0].weight.T - check.weights[0][r]).abs().max().item() for r, net in enumerate(nets))
    per_batched, per_loop = batched.cpu / args.steps, looped.cpu / args.loop_steps
    print(f"{replicas} replicas, widths {config.widths}, batch {args.batch}, Adam (fused) + frozen-probe penalty, "
          f"1 thread")
    print(f"  driftlab (one batch)   {per_batched * 1e3:7.2f} ms/step CPU   {batched.wall / args.steps * 1e3:7.2f} ms/step wall"
          f"   ({args.steps} steps)")
    print(f"  per-replica loop       {per_loop * 1e3:7.2f} ms/step CPU   {looped.wall / args.loop_steps * 1e3:7.2f} ms/step wall"
          f"   ({args.loop_steps} steps)")
    print(f"  ratio: {per_loop / per_batched:.1f}x on CPU time, "
          f"{(looped.wall / args.loop_steps) / (batched.wall / args.steps):.1f}x on wall time; largest first-layer "
          f"weight difference after {args.loop_steps + 1} steps {difference:.1e} (same work)")


if __name__ == "__main__":
    main()
