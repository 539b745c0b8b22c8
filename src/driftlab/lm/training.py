"""The pieces of a fine-tuning stage specific to language models: what trains, the loss, what is measured after.

Kept apart from the world so that the benchmarks and the methods of later issues use exactly the code
the world runs.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import torch

from ..data import ChatExample
from ..errors import ConfigError
from .chat import IGNORE, TokenBatch, collate, encode_examples, render_prompt
from .scoring import _decoder_and_head, next_token_logprobs


def lora_config(rank: int, alpha: float, dropout: float, target_modules: Sequence[str], base: str | None = None):
    """peft's description of driftlab's LoRA adapters: what trains them, and what an exported one says it is."""
    from peft import LoraConfig

    return LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=dropout, target_modules=list(target_modules),
                      bias="none", task_type="CAUSAL_LM", base_model_name_or_path=base)


def add_lora(model, rank: int, alpha: float, dropout: float, target_modules: Sequence[str]):
    """Wrap ``model`` with fresh LoRA adapters (peft); only the adapters train."""
    from peft import get_peft_model

    config = lora_config(rank, alpha, dropout, target_modules)
    with warnings.catch_warnings():  # peft calls a transformers method that transformers 5 deprecates
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing", category=FutureWarning)
        try:
            return get_peft_model(model, config)
        except ValueError as error:  # e.g. target modules the model does not have
            raise ConfigError(f"world.lora: {str(error).splitlines()[0]}") from None


def trainable_parameters(model) -> dict[str, torch.Tensor]:
    """The parameters the optimizer updates, by name (LoRA: the adapters; full: everything)."""
    return {name: p for name, p in model.named_parameters() if p.requires_grad}


def reply_logits(model, batch: TokenBatch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Logits at the positions followed by a label, those labels, and where they are (``[rows, len - 1]``).

    Only these positions go through the output layer: replies are a small part of each sequence, and
    logits over the vocabulary at every position would be the largest tensors of a training step.
    """
    decoder, head = _decoder_and_head(model)
    hidden = decoder(input_ids=batch.input_ids, attention_mask=batch.attention_mask).last_hidden_state
    next_labels = batch.labels[:, 1:]
    labelled = next_labels != IGNORE
    return head(hidden[:, :-1][labelled]), next_labels[labelled], labelled


def summed_token_loss(model, batch: TokenBatch) -> torch.Tensor:
    """Sum of next-token cross-entropies over the labelled (assistant) positions of ``batch``.

    A sum, not a mean, so gradient accumulation can divide by the label count of the whole
    optimizer step and match one large batch exactly.
    """
    logits, targets, _ = reply_logits(model, batch)
    return torch.nn.functional.cross_entropy(logits.float(), targets, reduction="sum")


def mean_token_loss(model, tokenizer, examples: Sequence[ChatExample], max_seq_len: int) -> torch.Tensor:
    """Mean next-token loss on the assistant replies of ``examples`` (differentiable)."""
    batch = collate(encode_examples(tokenizer, examples, max_seq_len), tokenizer.pad_token_id)
    batch = batch.to(next(model.parameters()).device)
    return summed_token_loss(model, batch) / max(1, batch.label_tokens)


def reference_answer(example: ChatExample) -> str:
    """The exact-match target: the example's ``answer``, or its reply when it has none."""
    return example.answer if example.answer is not None else example.messages[-1]["content"]


@torch.no_grad()
def exact_match(model, tokenizer, examples: Sequence[ChatExample], max_seq_len: int, batch_size: int) -> np.ndarray:
    """Per example: 1.0 if greedy decoding would reproduce its answer followed by the end of turn, else 0.0.

    Teacher forcing makes this one forward pass per batch: greedy decoding emits the reference tokens
    exactly when, at every reference position, the most likely next token given the reference prefix
    *is* the reference token, which is what is checked here (ties aside).
    """
    device = next(model.parameters()).device
    targets = [ChatExample(messages=(*e.messages[:-1], {"role": "assistant", "content": reference_answer(e)}))
               for e in examples]
    correct = np.zeros(len(examples))
    for first in range(0, len(targets), batch_size):
        batch = collate(encode_examples(tokenizer, targets[first : first + batch_size], max_seq_len),
                        tokenizer.pad_token_id).to(device)
        logits, reference, labelled = reply_logits(model, batch)  # positions whose next token is the answer's
        hits = torch.zeros_like(labelled, dtype=torch.bool)
        hits[labelled] = logits.argmax(dim=-1) == reference
        correct[first : first + len(batch.labels)] = ((hits | ~labelled).all(dim=1)).float().cpu().numpy()
    return correct


def reply_start_logprobs(model, tokenizer, prompts: Sequence[ChatExample]) -> torch.Tensor:
    """Next-token log-probabilities at the start of the assistant's reply to each prompt: ``[n, vocab]``."""
    sequences = [tokenizer(render_prompt(tokenizer, e.messages[:-1]), add_special_tokens=False)["input_ids"]
                 for e in prompts]
    return torch.cat(next_token_logprobs(model, [[s] for s in sequences], tokenizer.pad_token_id))[:, -1]


def kl_divergence(logprobs: torch.Tensor, reference: torch.Tensor) -> float:
    """Mean over prompts of KL(current || reference) of next-token distributions, in nats."""
    return float((logprobs.exp() * (logprobs - reference)).sum(dim=-1).mean())
