"""The aligned start (``world.align``): alignment training that makes the experiment's starting model.

The spec's experiment starts from "an instruct model that is aligned", and the seeds ask whether capability
training *after* alignment training erodes it. A small instruct model may have nothing to drift from
(SmolLM2-135M answers by position on every eval), so the lm world can align it first::

    base model (table step -1)
      -> LoRA on the eval sets' train parts answered with an aligned option (letters, texts or both;
         optionally further chat examples), shuffled epoch after epoch with the run's seed
      -> adapters merged into the weights: the aligned start (table step 0), what the stages then train

An aligned start depends only on the base model, its data, these settings and the seed, so it is computed
once: its adapter weights are stored in a content-hashed cache (the eval cache's store: written whole, one
worker per key, so concurrent trials train it once) beside the converted models, in
``$DRIFTLAB_CACHE_DIR/aligned-starts`` (default ``~/.cache/driftlab``). Every trial of a sweep, and every
later run, with the same inputs reads it instead of training again; ``DRIFTLAB_EVAL_CACHE=off`` trains it
every time. A cached start and a freshly trained one are the same tensors, merged the same way.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..data import ChatExample
from .eval_cache import CACHE_ENV, OFF, EvalCache, digest, model_fingerprint, tokenizer_fingerprint
from .models import cache_root
from .training import add_lora, mean_token_loss, trainable_parameters

ALIGNED_STARTS = "aligned-starts"
# The code an aligned start's weights come from (paths in the package): a change to any is a new start. The
# examples themselves are part of the key, so how they are made need not be.
SOURCES = ("lm/align.py", "lm/chat.py", "lm/training.py", "training.py")
LOSSES = "align/loss"  # stored beside the adapter weights: the loss of every alignment step


@dataclass
class AlignedStart:
    """The merged model, the loss of each alignment step, and whether it was read from the cache."""

    model: torch.nn.Module
    losses: list[float]
    cached: bool


def aligned_cache() -> EvalCache | None:
    """Where aligned starts are kept: beside the converted models, shared by every run and sweep."""
    if os.environ.get(CACHE_ENV) == OFF:
        return None
    return EvalCache(cache_root() / ALIGNED_STARTS, SOURCES)


def aligned_start(model, tokenizer, examples: Sequence[ChatExample], settings, seed: int, max_seq_len: int,
                  bar=None) -> AlignedStart:
    """``model`` aligned by ``settings`` (:class:`~driftlab.worlds.lm.AlignSettings`) on ``examples``, its
    adapters merged into its weights; trained here, or read from the cache when these inputs were trained
    before. ``bar`` (a progress bar) advances once per step."""
    lora = settings.lora
    torch.manual_seed(seed)  # the adapters' initial weights
    wrapped = add_lora(model, lora.rank, lora.alpha, lora.dropout, lora.target_modules)
    adapters = trainable_parameters(wrapped)
    cache = aligned_cache()

    def train() -> dict[str, torch.Tensor]:
        losses = train_adapters(wrapped, tokenizer, examples, settings, seed, max_seq_len, bar)
        return {**{name: p.detach().clone() for name, p in adapters.items()},
                LOSSES: torch.tensor(losses, dtype=torch.float64)}

    if cache is None:
        stored = train()
    else:
        inputs = (model_fingerprint(model), tokenizer_fingerprint(tokenizer),
                  digest([(e.messages, e.task) for e in examples]), settings.model_dump(mode="json", exclude={"seed"}), seed,
                  max_seq_len, next(model.parameters()).device.type)
        stored = cache.get(cache.key("aligned-start", *inputs), train, tensors=True)
    cached = bool(cache and cache.hits)
    if cached:
        with torch.no_grad():
            for name, p in adapters.items():
                p.copy_(stored[name])
        if bar is not None:
            bar.update(settings.steps)
    merged = wrapped.merge_and_unload().eval()
    return AlignedStart(merged, stored[LOSSES].tolist(), cached)


def train_adapters(model, tokenizer, examples: Sequence[ChatExample], settings, seed: int, max_seq_len: int,
                   bar=None) -> list[float]:
    """``settings.steps`` AdamW steps on batches of ``examples`` (shuffled epoch after epoch with ``seed``),
    through the one training step every torch world uses; returns each step's mean token loss."""
    from ..methods.base import MethodStack, TrainContext
    from ..training import TrainingStep, make_optimizer

    parameters = trainable_parameters(model)
    optimizer = make_optimizer("adamw", parameters.values(), settings.lr)
    step = TrainingStep(MethodStack([]), optimizer, settings.max_grad_norm)
    ctx = TrainContext(world="align", parameters=parameters, model=model)
    generator = torch.Generator().manual_seed(seed)
    needed = settings.steps * settings.batch_size
    order = torch.cat([torch.randperm(len(examples), generator=generator)
                       for _ in range(-(-needed // len(examples)))]).tolist()
    losses = []
    model.train()
    for index in range(settings.steps):
        ctx.step = index
        batch = [examples[i] for i in order[index * settings.batch_size:(index + 1) * settings.batch_size]]
        loss = step(ctx, batch, lambda parts: [[mean_token_loss(model, tokenizer, part, max_seq_len)] for part in parts])
        losses.append(float(loss))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
    model.eval()
    return losses
