"""Benchmark: training tokens/s of the lm world's stage loop against a bare transformers + peft loop.

Both loops train the same model (fresh LoRA adapters on the same base), on the same examples in the same
order, with the same batch size, sequence length, optimizer and gradient clipping, in this one process.
The bare loop is what one would write by hand: tokenize the chat-templated batch, ``model(labels=...)``,
backward, clip, step. Target: driftlab >= 0.95x the bare loop's tokens/s.

    python benchmarks/bench_lm_train.py [--model smollm2|tiny-random] [--steps 4] [--rounds 3] [--batch-size 8]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


def make_world(model: str, steps: int, batch_size: int, run_dir: Path):
    from driftlab.config import validate_config
    from driftlab.methods.base import MethodStack
    from driftlab.worlds.lm import LmWorld

    raw = {"name": "bench", "seed": 0, "world": {
        "type": "lm", "model": model, "device": "cpu", "stages": 20, "steps_per_stage": steps,
        "batch_size": batch_size, "max_seq_len": 256, "lr": 2e-4, "lora": {"dropout": 0.0}}}
    config = validate_config(raw)
    world = LmWorld(config.world, MethodStack([]), config.seed, run_dir)
    world.build()
    return world


def stage_examples(world, stage: int) -> list:
    """The examples ``train_stage(stage)`` will draw, in its order (same generator, same state)."""
    c = world.config
    chunk = world.chunks[stage - 1]
    state = world.data_rng.get_state()
    order = torch.randperm(len(chunk), generator=world.data_rng).tolist()
    world.data_rng.set_state(state)
    return [chunk[i] for i in order[: c.steps_per_stage * c.batch_size]]


def bare_loop(model, tokenizer, optimizer, examples, batch_size: int) -> int:
    """A hand-written transformers + peft loop; returns the number of (non-padding) tokens processed."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    tokenizer.padding_side = "right"
    tokens = 0
    model.train()
    for first in range(0, len(examples), batch_size):
        texts = [tokenizer.apply_chat_template(list(e.messages), tokenize=False) for e in examples[first:first + batch_size]]
        batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
        loss = model(**batch, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        tokens += int(batch["attention_mask"].sum())
    return tokens


class NullBar:
    def update(self, n=1): ...
    def set_postfix(self, **kwargs): ...


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--steps", type=int, default=4, help="optimizer steps per timed round")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="alternating timed rounds of each loop")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        world = make_world(args.model, args.steps, args.batch_size, Path(tmp))
        bare = make_world(args.model, args.steps, args.batch_size, Path(tmp) / "bare")  # same base, fresh LoRA
        bare_optimizer = torch.optim.AdamW(bare.parameters.values(), lr=2e-4)
        # Warm-up (first-call allocations), then timed rounds that alternate which loop goes first, so
        # that load from other processes on the machine hits both alike. Each round is one stage's data,
        # fed to both.
        world.train_stage(1, NullBar())
        bare_loop(bare.model, bare.tokenizer, bare_optimizer, stage_examples(world, 1), args.batch_size)
        ours, reference, total = [], [], 0
        for stage in range(2, 2 + args.rounds):
            examples = stage_examples(world, stage)
            timings = {}
            for which in ("ours", "bare") if stage % 2 == 0 else ("bare", "ours"):  # alternate who goes first
                started = time.perf_counter()
                if which == "ours":
                    world.train_stage(stage, NullBar())
                else:
                    tokens = bare_loop(bare.model, bare.tokenizer, bare_optimizer, examples, args.batch_size)
                timings[which] = time.perf_counter() - started
            ours_s, bare_s = timings["ours"], timings["bare"]
            ours.append(tokens / ours_s)
            reference.append(tokens / bare_s)
            total += tokens
            print(f"round {stage - 1}: driftlab {tokens / ours_s:7.1f} tokens/s, bare {tokens / bare_s:7.1f} tokens/s")

    ratio = float(np.median(ours) / np.median(reference))
    print(f"model {args.model}, {args.rounds} rounds x {args.steps} steps x batch {args.batch_size}, {total} tokens, "
          f"{torch.get_num_threads()} threads")
    print(f"driftlab stage loop (median): {np.median(ours):8.1f} tokens/s")
    print(f"bare transformers+peft loop (median): {np.median(reference):8.1f} tokens/s")
    print(f"ratio driftlab / bare: {ratio:.3f}x (target >= 0.95x)")


if __name__ == "__main__":
    main()
