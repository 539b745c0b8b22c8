"""Benchmark: what one record of the probe world costs in probe readers, per reader, for R replicas.

On the activations a freshly initialised world model (default shape) computes for the held-out sets
(``eval_examples`` inputs each), one torch thread: the fresh linear probe (``fit_probe``, damped Newton),
its AUROC, the deployed probe's TPR at 1% FPR (``tpr_at_fpr``), and the fresh MLP probe
(``fit_mlp_probe``, which ``fresh_mlp_width`` switches on) with its AUROC. Prints seconds per record of
each, CPU and wall, so that the cost of ``fresh_mlp_width`` (and of ``fresh_layers: all``, one linear fit
per layer) can be weighed against a run's recorded steps.

    python benchmarks/bench_probe_readers.py [--replicas 64] [--repeats 3] [--mlp-width 32]
"""

from __future__ import annotations

import argparse

import torch
from timing import Timer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mlp-width", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(1)

    from driftlab.nets import BatchedMLP, replica_generators
    from driftlab.probes import auroc, fit_mlp_probe, fit_probe, tpr_at_fpr
    from driftlab.worlds.probe import ProbeConfig, Task

    config = ProbeConfig()
    task, layer, n = Task(config.task), config.detector.layer, config.eval_examples
    model = BatchedMLP(args.replicas, [task.input_dim, *config.widths, config.task.classes + 1], 0, config.init_scale)
    generator = replica_generators(0, [0])[0]
    x_fit, x_eval = (task.draw(n, generator, opportunity=True) for _ in range(2))
    with torch.no_grad():
        (fit_out, fit_hidden), (out, hidden) = (model(x, keep=[layer]) for x in (x_fit, x_eval))
    labels, misaligned = fit_out[..., -1] > fit_out[..., -1].median(), out[..., -1] > out[..., -1].median()
    benign = ~misaligned & (task.tempting(x_eval) == 0)
    h_fit, h = fit_hidden[layer], hidden[layer]
    probe = fit_probe(h_fit, labels)
    readers = {
        "fresh linear probe: fit": lambda: fit_probe(h_fit, labels),
        "AUROC": lambda: auroc(probe.logits(h.double()), misaligned),
        "TPR at 1% FPR": lambda: tpr_at_fpr(probe.logits(h.double()), misaligned, benign),
        f"fresh MLP probe (width {args.mlp_width}): fit and AUROC":
            lambda: auroc(fit_mlp_probe(h_fit, labels, args.mlp_width).logits(h), misaligned),
    }
    print(f"{args.replicas} replicas, {n} held-out inputs per set, layer width {h.shape[-1]}, one thread")
    for name, reader in readers.items():
        reader()  # warm up
        with Timer() as timer:
            for _ in range(args.repeats):
                reader()
        print(f"  {name}: {timer.cpu / args.repeats:.3f} s CPU, {timer.wall / args.repeats:.3f} s wall per record")


if __name__ == "__main__":
    main()
