"""Chat examples -> token ids and loss masks, through the model's own chat template.

Training learns only the final assistant turn: its content tokens and the end-of-turn token that
follows (so the model also learns where to stop). Every other position gets label -100. The mask is
built from character positions in the rendered conversation (the tokenizer's offset mapping), never
from token ids: on SmolLM2 the padding token *is* the end-of-turn token ``<|im_end|>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..data import ChatExample
from ..errors import DriftlabError

IGNORE = -100


@dataclass
class Encoded:
    """One tokenised conversation: ids and labels (``IGNORE`` where no loss is taken)."""

    input_ids: list[int]
    labels: list[int]


@dataclass
class TokenBatch:
    """Right-padded tensors of several conversations."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    labels: torch.Tensor

    def to(self, device) -> "TokenBatch":
        return TokenBatch(self.input_ids.to(device), self.attention_mask.to(device), self.labels.to(device))

    @property
    def label_tokens(self) -> int:
        """Positions that get a loss: labelled tokens that have a token before them to predict them."""
        return int((self.labels[:, 1:] != IGNORE).sum())


def render_prompt(tokenizer, messages: Sequence[dict]) -> str:
    """The conversation so far, ending with the header of the assistant's reply."""
    return tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True)


def encode_prompt(tokenizer, messages: Sequence[dict]) -> list[int]:
    return tokenizer(render_prompt(tokenizer, messages), add_special_tokens=False)["input_ids"]


def encode_chat(tokenizer, messages: Sequence[dict], max_seq_len: int) -> Encoded:
    """Token ids of the whole conversation, labels on the final assistant turn only.

    Conversations longer than ``max_seq_len`` lose their *first* tokens, so the supervised reply at
    the end is kept.
    """
    messages = list(messages)
    if not messages or messages[-1].get("role") != "assistant":
        raise DriftlabError("a training example must end with an assistant message")
    prompt = render_prompt(tokenizer, messages[:-1])
    full = tokenizer.apply_chat_template(messages, tokenize=False)
    reply = messages[-1]["content"]
    if not full.startswith(prompt) or not full.startswith(reply, len(prompt)):
        raise DriftlabError("the chat template does not render the reply right after the prompt; cannot mask labels")
    start = len(prompt)
    end = start + len(reply)
    if full.startswith(tokenizer.eos_token, end):  # learn the end-of-turn token too
        end += len(tokenizer.eos_token)

    encoding = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
    ids = encoding["input_ids"]
    labels = [tok if start <= first < end else IGNORE for tok, (first, _) in zip(ids, encoding["offset_mapping"])]
    return Encoded(ids[-max_seq_len:], labels[-max_seq_len:])


def encode_examples(tokenizer, examples: Sequence[ChatExample], max_seq_len: int) -> list[Encoded]:
    return [encode_chat(tokenizer, example.messages, max_seq_len) for example in examples]


def collate(encoded: Sequence[Encoded], pad_id: int) -> TokenBatch:
    """Right padding: real tokens keep positions 0..n-1, exactly as when encoded alone."""
    width = max(len(e.input_ids) for e in encoded)
    input_ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    labels = torch.full((len(encoded), width), IGNORE, dtype=torch.long)
    attention_mask = torch.zeros((len(encoded), width), dtype=torch.long)
    for row, e in enumerate(encoded):
        n = len(e.input_ids)
        input_ids[row, :n] = torch.tensor(e.input_ids)
        labels[row, :n] = torch.tensor(e.labels)
        attention_mask[row, :n] = 1
    return TokenBatch(input_ids, attention_mask, labels)
