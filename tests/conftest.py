"""What several test modules share: small lm-world configs on tiny-random, JSONL writing, thread limits."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch


def tiny_lm(**world) -> dict:
    """An lm world config on tiny-random and the CPU, with a test's own settings on top (stages, data, ...)."""
    return {"type": "lm", "model": "tiny-random", "device": "cpu", "bootstrap": 100, **world}


def run_config(world: dict, methods=(), seed: int = 0, name: str = "test") -> dict:
    """A whole run config as plain data, for ``validate_config``."""
    return {"name": name, "seed": seed, "world": world, "methods": list(methods)}


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory):
    """No test writes to the user's cache (converted models, aligned starts): the session has its own."""
    from driftlab.lm.models import CACHE_ENV

    patch = pytest.MonkeyPatch()
    patch.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("driftlab-cache")))
    yield
    patch.undo()


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny models gain nothing from two threads, and on a busy 2-core machine two make them several
    times slower: modules that train many of them use this."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tiny():
    """tiny-random in eval mode, with its tokenizer."""
    from driftlab.lm.tiny import tiny_random

    model, tokenizer = tiny_random(0)
    return model.eval(), tokenizer


def always_says(token_id: int, model, margin: float = 15.0) -> torch.nn.Module:
    """``model`` with an output layer whose most likely next token is ``token_id`` (by ``margin`` in logits),
    whatever the prompt: a pure position preference, as SmolLM2-135M mostly shows."""
    model.lm_head = torch.nn.Linear(model.config.hidden_size, model.config.vocab_size, bias=True)
    with torch.no_grad():
        model.lm_head.weight.zero_()
        model.lm_head.bias.zero_()
        model.lm_head.bias[token_id] = margin
    return model.eval()


class _Seen:
    """A synthetic model's key/value cache: the text each row has read so far."""

    def __init__(self, rows: list[str]):
        self.rows = rows

    def batch_select_indices(self, index: torch.Tensor) -> None:
        self.rows = [self.rows[i] for i in index.tolist()]


class _TextReader(torch.nn.Module):
    """A synthetic model's body: at every position (or the last ``last`` only), a one-hot of the label that
    ``choose`` picks from the text read so far (the last column: no choice)."""

    def __init__(self, tokenizer, choose, last: int | None):
        super().__init__()
        self.tokenizer, self.choose, self.last = tokenizer, choose, last

    def forward(self, input_ids, attention_mask=None, position_ids=None, cache=None, use_cache=False):
        from transformers.modeling_outputs import BaseModelOutputWithPast

        from driftlab.lm.scoring import LETTERS

        seen = cache or _Seen([""] * len(input_ids))
        mask = torch.ones_like(input_ids) if attention_mask is None else attention_mask[:, -input_ids.shape[1]:]
        hidden = torch.zeros(*input_ids.shape, len(LETTERS) + 1)
        first = 0 if self.last is None else input_ids.shape[1] - self.last
        for row, (ids, visible) in enumerate(zip(input_ids.tolist(), mask.tolist())):
            for position, (token, keep) in enumerate(zip(ids, visible)):
                if keep:
                    seen.rows[row] += self.tokenizer.decode([token])
                if position >= first:
                    hidden[row, position, self.choose(seen.rows[row])] = 1.0
        return BaseModelOutputWithPast(last_hidden_state=hidden, cache=seen)


class LabelChooser(torch.nn.Module):
    """A synthetic model that reads its prompt through the scorer's key/value cache, as a real model would,
    and puts its next-token mass on the label ``choose(text so far)`` returns (an index into the letters),
    or spreads it evenly where that is ``len(LETTERS)``. ``last``: compute only the last positions (the
    letter scorer reads no others), which keeps long prompts fast."""

    OPTION_LINE = re.compile(r"^\(([A-Z])\) (.*)$", re.MULTILINE)

    def __init__(self, tokenizer, choose, last: int | None = None):
        from driftlab.lm.scoring import LETTERS

        super().__init__()
        self.reader = _TextReader(tokenizer, choose, last)
        self.head = torch.nn.Linear(len(LETTERS) + 1, len(tokenizer), bias=False)
        with torch.no_grad():
            self.head.weight.zero_()
            for i, letter in enumerate(LETTERS):
                self.head.weight[tokenizer.convert_tokens_to_ids(letter), i] = 15.0

    def get_decoder(self):
        return self.reader

    def get_output_embeddings(self):
        return self.head

    def forward(self, input_ids):
        return SimpleNamespace(logits=self.head(self.reader(input_ids).last_hidden_state))
