"""Benchmark: letter-scoring items asked after a long shared memory, its keys and values computed once per call.

An agent's memory placed in the system prompt (here about 1000 tokens of neutral notes) is the same
beginning for every eval item. ``score_items`` encodes the beginning all prompts of a call share once and
continues every batch from a copy of its keys and values. Timed in this one process, on the same items
(the proxy part of the builtin dilemmas) after the same memory:

- (a) one call on all items, ``--batch-size`` per forward pass: the memory encoded once;
- (b) one call per item: the memory encoded once per item;
- (c) one call per batch of ``--batch-size`` items: the memory encoded once per batch, as before the
  shared start was kept across batches.

Prints items/s of each on CPU time (fairer on a shared machine) and wall time, the ratios a/b and a/c,
and how far their P(misaligned) differ (float rounding: the same work split at other points). Target: a/b
>= 5x at a 1000-token memory on a CPU.

    python benchmarks/bench_memory_prefix.py [--model smollm2|tiny-random] [--device cpu|cuda] [--items 24]
                                             [--batch-size 8] [--memory-tokens 1000] [--threads N]
"""

from __future__ import annotations

import numpy as np
import torch
from timing import Timer, lm_arguments, parse_lm_arguments

def memory_text(tokenizer, tokens: int) -> str:
    """The memory world's system message holding the shipped neutral notes, cycled, until the memory has at
    least ``tokens`` tokens."""
    from driftlab.data import memory_notes
    from driftlab.worlds.memory import DEFAULT_SYSTEM

    notes = [note.text for note in memory_notes() if note.kind == "neutral"]
    lines = []
    while len(tokenizer("\n".join(lines), add_special_tokens=False)["input_ids"]) < tokens:
        lines.append(f"- {notes[len(lines) % len(notes)]}")
    return DEFAULT_SYSTEM.format(notes="\n".join(lines))


def main() -> None:
    parser = lm_arguments(__doc__.splitlines()[0])
    parser.add_argument("--memory-tokens", type=int, default=1000)
    args = parse_lm_arguments(parser)

    from driftlab.data import builtin_evals
    from driftlab.lm.models import load_model
    from driftlab.lm.scoring import question_messages, score_items

    loaded = load_model(args.model, args.device)
    model, tokenizer = loaded.model, loaded.tokenizer
    memory = memory_text(tokenizer, args.memory_tokens)
    items = builtin_evals()["dilemmas"]["proxy"][: args.items]

    def ask(item, order, reply="letter"):
        return [{"role": "system", "content": memory}, *question_messages(item, order, reply)]

    def score(batch):
        return score_items(model, tokenizer, batch, batch_size=args.batch_size, ask=ask).p_misaligned

    score(items[:2])  # warm-up
    with Timer() as once:
        shared = score(items)
    with Timer() as per_item:
        alone = np.concatenate([score([item]) for item in items])
    with Timer() as per_batch:
        batched = np.concatenate([score(items[a : a + args.batch_size]) for a in range(0, len(items), args.batch_size)])

    memory_tokens = len(tokenizer(memory, add_special_tokens=False)["input_ids"])
    print(f"model {args.model}, {len(items)} items x 2 orders after a {memory_tokens}-token memory (system prompt), "
          f"batch {args.batch_size}, {torch.get_num_threads()} threads")
    for label, timer in (("(a) one call, memory once", once), ("(b) one call per item", per_item),
                         (f"(c) one call per {args.batch_size} items", per_batch)):
        print(f"  {label:<28} {len(items) / timer.cpu:8.2f} items/s CPU  {len(items) / timer.wall:8.2f} items/s wall")
    print(f"  ratio a/b: {per_item.cpu / once.cpu:.2f}x on CPU time, {per_item.wall / once.wall:.2f}x on wall time "
          "(target >= 5x on a CPU at 1000 tokens)")
    print(f"  ratio a/c: {per_batch.cpu / once.cpu:.2f}x on CPU time, {per_batch.wall / once.wall:.2f}x on wall time")
    print(f"  max |difference| in P(misaligned): a-b {np.abs(shared - alone).max():.1e}, "
          f"a-c {np.abs(shared - batched).max():.1e}")


if __name__ == "__main__":
    main()
