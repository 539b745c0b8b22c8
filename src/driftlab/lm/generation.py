"""Text a model writes: batched, at most N new tokens, greedy or sampled, reproducible bit for bit.

Prompts are left-padded into batches (so every reply starts at the same column) and continued with
transformers' ``generate``. Sampling draws from torch's generator seeded with ``seed`` once per call, inside
a forked random state, so the caller's random streams do not move and the same prompts, settings and seed
give the same replies. What is generated does depend on how prompts are batched (padding changes float
rounding), so a caller that wants the same text again keeps the batch size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Reply:
    """One generated reply: its text (special tokens left out), how many tokens it took, and whether the
    model ended it itself (False: cut at ``max_new_tokens``)."""

    text: str
    tokens: int
    finished: bool


def _stop_tokens(model, tokenizer) -> set[int]:
    """The tokens that end a reply: the tokenizer's end of turn and the model's own end tokens."""
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids = configured if isinstance(configured, list) else [configured]
    return {token for token in (*ids, tokenizer.eos_token_id) if token is not None}


@torch.no_grad()
def generate(model, tokenizer, prompts: Sequence[Sequence[int]], max_new_tokens: int, temperature: float = 0.0,
             seed: int = 0, batch_size: int = 8) -> list[Reply]:
    """Continue each prompt (token ids ending with the reply's header) for at most ``max_new_tokens`` tokens:
    greedy at ``temperature`` 0, otherwise sampled at that temperature from the whole distribution."""
    device = next(model.parameters()).device
    stop = _stop_tokens(model, tokenizer)
    sampled = temperature > 0
    replies = []
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        for first in range(0, len(prompts), batch_size):
            batch = prompts[first : first + batch_size]
            width = max(len(p) for p in batch)
            ids = torch.tensor([[tokenizer.pad_token_id] * (width - len(p)) + list(p) for p in batch], device=device)
            mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in batch], device=device)
            output = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=max_new_tokens,
                                    do_sample=sampled, temperature=temperature if sampled else None, top_p=None,
                                    top_k=None, pad_token_id=tokenizer.pad_token_id)
            for row in output[:, width:].tolist():
                end = next((i for i, token in enumerate(row) if token in stop), None)
                kept = row if end is None else row[:end]
                replies.append(Reply(tokenizer.decode(kept, skip_special_tokens=True).strip(),
                                     len(row) if end is None else end + 1, end is not None))
    return replies
