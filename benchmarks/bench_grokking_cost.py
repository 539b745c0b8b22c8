"""Benchmark: what a grokking-style transformer would cost on this CPU (issue 24: run it only if it fits in
15 minutes).

Times full-batch AdamW steps (weight decay 1, lr 1e-3, as Nanda et al. 2023) of their modular-addition
transformer: one layer, d_model 128, 4 heads, MLP 512, p = 113, inputs (a, b, =), 30% of the p^2 pairs as
one batch. Prints ms per step (wall and CPU) and what 10,000 steps would take, roughly where that model
starts to generalise, before any shortcut or decay phase is added.

    python benchmarks/bench_grokking_cost.py [--steps 20] [--threads 1]
"""

from __future__ import annotations

import argparse

import torch
from timing import Timer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    p, d = 113, 128
    pairs = torch.cartesian_prod(torch.arange(p), torch.arange(p))
    train = pairs[torch.randperm(len(pairs))[: int(0.3 * len(pairs))]]
    x = torch.cat([train, torch.full((len(train), 1), p)], 1)
    y = (train[:, 0] + train[:, 1]) % p
    layer = torch.nn.TransformerEncoderLayer(d, 4, 512, dropout=0.0, batch_first=True)
    embed, unembed = torch.nn.Embedding(p + 1, d), torch.nn.Linear(d, p)
    position = torch.nn.Parameter(torch.randn(3, d) * 0.02)
    optimizer = torch.optim.AdamW([*layer.parameters(), *embed.parameters(), position, *unembed.parameters()],
                                  lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98))

    def step() -> None:
        loss = torch.nn.functional.cross_entropy(unembed(layer(embed(x) + position)[:, -1]), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    step()  # warm-up
    with Timer() as timer:
        for _ in range(args.steps):
            step()
    wall, cpu = 1000 * timer.wall / args.steps, 1000 * timer.cpu / args.steps
    print(f"{len(train)} examples per step, {args.threads} thread(s): {wall:.0f} ms/step wall, {cpu:.0f} ms CPU; "
          f"10,000 steps: {wall * 10 / 60:.0f} min")


if __name__ == "__main__":
    main()
