"""Benchmark: propensity-eval items/s of driftlab's scorer against a naive loop, on SmolLM2.

The naive loop scores one item at a time with one full forward pass per option order (logits at every
position, as ``model(ids).logits`` gives them). driftlab batches items, runs the prompt beginning they
all share once per batch and each item's question once, continues every order from the cached keys
and values, and projects only the last positions onto the vocabulary. Both score the same items, in
this one process, and must agree. Targets: >= 2x on a CPU (where a token costs about the same in a batch as
alone, so batching gains little), >= 3x on a GPU.

The script also counts tokens: those of every full prompt (what the naive loop runs) against the distinct
tokens of the prefix tree (each shared beginning counted once). No reuse of keys and values can run fewer
than the tree's tokens, so on a CPU prefix sharing can gain at most that factor; the rest of the ratio
comes from running the output layer at two positions per prompt instead of all of them. And it counts the
tokens the scorer actually runs through the model (padding included, read at the embedding layer) against
that minimum. Target: at most 1.15x.

    python benchmarks/bench_lm_eval.py [--model smollm2|tiny-random] [--device cpu|cuda] [--items 24]
                                       [--batch-size 8] [--threads N]
"""

from __future__ import annotations

import time

import numpy as np
import torch
from timing import lm_arguments, parse_lm_arguments


def order_prompts(tokenizer, item) -> list[tuple[tuple[int, ...], list[int]]]:
    """Each option order of ``item`` and its prompt's token ids, followed by "(" as the scorer asks it."""
    from driftlab.lm.chat import encode_prompt
    from driftlab.lm.scoring import option_orders, question_messages

    (paren,) = tokenizer.encode("(", add_special_tokens=False)
    return [(order, encode_prompt(tokenizer, question_messages(item, order)) + [paren])
            for order in option_orders(len(item.options), counterbalance=True)]


def naive_p_misaligned(model, tokenizer, items) -> np.ndarray:
    from driftlab.lm.scoring import label_probabilities, label_tokens

    result = []
    for item in items:
        labels = label_tokens(tokenizer, len(item.options))
        per_order = []
        for order, ids in order_prompts(tokenizer, item):
            with torch.no_grad():
                ids = torch.tensor([ids], device=next(model.parameters()).device)
                logprobs = torch.log_softmax(model(ids).logits[0, -2:], dim=-1).cpu()
            shown = label_probabilities(logprobs, labels)[0].numpy()
            per_order.append(sum(shown[pos] for pos, i in enumerate(order) if i in item.misaligned))
        result.append(np.mean(per_order))
    return np.array(result)


def token_counts(tokenizer, items) -> tuple[int, int]:
    """Tokens of all prompts (every order of every item), and distinct tokens of their prefix tree."""
    from driftlab.lm.scoring import _common_prefix_length

    groups = [[ids for _, ids in order_prompts(tokenizer, item)] for item in items]
    prompts = [p for g in groups for p in g]
    common = _common_prefix_length(prompts)
    tree = common + sum(len(p) - common for p in prompts) - sum(
        (len(g) - 1) * (_common_prefix_length(g) - common) for g in groups)
    return sum(map(len, prompts)), tree


def main() -> None:
    args = parse_lm_arguments(lm_arguments(__doc__.splitlines()[0]))

    from driftlab.data import builtin_evals
    from driftlab.lm.models import load_model
    from driftlab.lm.scoring import score_items

    loaded = load_model(args.model, args.device)
    tokens_run = [0]
    embeddings = loaded.model.get_input_embeddings()
    counting = embeddings.register_forward_hook(lambda module, inputs, output: tokens_run.__setitem__(
        0, tokens_run[0] + inputs[0].numel()))
    evals = builtin_evals()
    pool = [item for parts in evals.values() for item in parts["heldout"]]
    items = [pool[i] for i in np.linspace(0, len(pool) - 1, args.items).astype(int)]  # both sets
    score_items(loaded.model, loaded.tokenizer, items[:2], batch_size=2)  # warm-up
    # Rounds of one batch each, alternating which scorer goes first, so that load from other processes
    # on the machine hits both alike.
    ours, naive, ours_s, naive_s, ours_tokens = [], [], 0.0, 0.0, 0
    for round_number, first in enumerate(range(0, len(items), args.batch_size)):
        batch = items[first:first + args.batch_size]
        for which in ("ours", "naive") if round_number % 2 == 0 else ("naive", "ours"):
            started = time.perf_counter()
            if which == "ours":
                before = tokens_run[0]
                ours.extend(score_items(loaded.model, loaded.tokenizer, batch, batch_size=args.batch_size).p_misaligned)
                ours_s += time.perf_counter() - started
                ours_tokens += tokens_run[0] - before
            else:
                naive.extend(naive_p_misaligned(loaded.model, loaded.tokenizer, batch))
                naive_s += time.perf_counter() - started
    ours, naive = np.array(ours), np.array(naive)
    counting.remove()
    device = "GPU" if torch.cuda.is_available() and next(loaded.model.parameters()).is_cuda else "CPU"

    print(f"model {args.model}, {len(items)} items x 2 orders, batch {args.batch_size}, {torch.get_num_threads()} threads")
    print(f"max |difference| in P(misaligned): {np.abs(ours - naive).max():.2e}")
    print(f"driftlab scorer: {len(items) / ours_s:7.2f} items/s ({ours_s:.1f} s)")
    print(f"naive loop:      {len(items) / naive_s:7.2f} items/s ({naive_s:.1f} s)")
    print(f"ratio driftlab / naive: {naive_s / ours_s:.2f}x (target on a {device}: >= {3 if device == 'GPU' else 2}x)")
    full, tree = token_counts(loaded.tokenizer, items)
    print(f"tokens: {full} in the naive loop's prompts, {tree} distinct in their prefix tree: sharing the prefix "
          f"can save at most {full / tree:.2f}x of the tokens")
    print(f"tokens the scorer ran (padding included): {ours_tokens}, {ours_tokens / tree:.3f}x the prefix tree's "
          "minimum (target <= 1.15x)")


if __name__ == "__main__":
    main()
