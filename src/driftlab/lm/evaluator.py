"""The lm world's measurements of a model: propensity evals, capability, and distance from the start.

An :class:`Evaluator` owns what is measured, loaded before any model is: the eval sets (each split into
a *proxy* part, what a developer selects on, and a *held-out* part), the capability test examples and the
prompts the KL from the starting model is measured on. Given a model it returns a typed
:class:`~driftlab.capabilities.Evaluation`, whose table names come from :mod:`driftlab.names`.

This module imports torch only when a model is scored, so validating a config stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field, model_validator

from ..capabilities import Evaluation
from ..config import StrictModel, existing_file
from ..errors import ConfigError
from ..names import EVAL_PARTS

if TYPE_CHECKING:
    import torch

    from ..worlds.lm import LmConfig

KL_FROM_START = "kl/from_start"


class EvalFiles(StrictModel):
    """A user eval set: a name for the table and a file per part (format A or B; either part optional)."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    proxy: str | None = None
    heldout: str | None = None

    @model_validator(mode="after")
    def _files(self):
        if self.proxy is None and self.heldout is None:
            raise ValueError("give at least one of proxy, heldout")
        for part in EVAL_PARTS:
            if getattr(self, part) is not None:
                existing_file(getattr(self, part), f"{part} eval")
        return self


class GenerationSettings(StrictModel):
    """Optional second scoring: the model writes its answer, which is parsed for a label."""

    enabled: bool = False
    max_new_tokens: int = Field(8, ge=1)
    temperature: float = Field(0.0, ge=0, description="0 = greedy; above 0, sampled with the run's seed")


class Evaluator:
    """Eval sets, capability tests and KL prompts of one run, and how a model scores on them."""

    def __init__(self, config: LmConfig, seed: int):
        from ..data import builtin_evals, capability_dataset, load_chat_file, load_eval_file

        self.config = config
        self.seed = seed
        heldout = (capability_dataset("heldout") if config.capability_heldout == "builtin"
                   else load_chat_file(config.capability_heldout))
        self.capability_tests = heldout[: config.capability_items or None]
        self.kl_prompts = heldout[: config.kl_prompts]
        self.kl_reference: torch.Tensor | None = None  # the starting model's reply-start log-probabilities
        shipped = builtin_evals()
        self.evals: dict[tuple[str, str], list] = {}
        for entry in config.evals:
            if isinstance(entry, EvalFiles):
                for part in EVAL_PARTS:
                    if getattr(entry, part) is not None:
                        self.evals[entry.name, part] = load_eval_file(getattr(entry, part))
            elif entry in shipped:
                for part in EVAL_PARTS:
                    self.evals[entry, part] = shipped[entry][part]
            else:
                self.evals[Path(entry).stem, "heldout"] = load_eval_file(entry)

    def eval_sets(self, part: str) -> list[str]:
        """Names of the eval sets that have a ``part`` ("proxy" or "heldout")."""
        return [name for name, has in self.evals if has == part]

    def evaluate_set(self, model, tokenizer, name: str, part: str) -> dict[str, float]:
        """Propensity statistics of ``model`` on one eval set part (score, p_misaligned, CIs; per subset)."""
        from .scoring import ItemScores, generate_choices, score_items, summarize_generated, summarize_items

        c = self.config
        if (name, part) not in self.evals:
            raise ConfigError(f"world.evals: no eval set {name!r} with a {part} part")
        model.eval()
        items = self.evals[name, part]
        scores = score_items(model, tokenizer, items, c.counterbalance, c.eval_batch_size)
        statistics = summarize_items(scores, c.bootstrap, self.seed)
        for subset, keep in self.organism_subsets(items).items():
            kept = summarize_items(ItemScores(scores.p_misaligned[keep], scores.chose_misaligned[keep]), c.bootstrap,
                                   self.seed)
            statistics.update({f"{subset}/{key}": value for key, value in kept.items()})
        if c.generation.enabled:
            choices = generate_choices(model, tokenizer, items, c.counterbalance, c.eval_batch_size,
                                       c.generation.max_new_tokens, c.generation.temperature, self.seed)
            statistics.update(summarize_generated(choices, c.bootstrap, self.seed))
        return statistics

    def organism_subsets(self, items) -> dict[str, np.ndarray]:
        """With an organism: which items lie outside its domain (``other_domains``, where generalised drift
        shows) and inside it (``organism_domain``, the trained behaviour itself); empty subsets are left out."""
        if self.config.organism is None:
            return {}
        inside = np.array([item.domain == self.config.organism.domain for item in items])
        return {name: keep for name, keep in (("other_domains", ~inside), ("organism_domain", inside)) if keep.any()}

    def capability(self, model, tokenizer) -> dict[str, float]:
        """Exact-match accuracy on the held-out capability examples, with its bootstrap interval."""
        from ..stats import bootstrap_ci
        from .training import exact_match

        model.eval()
        correct = exact_match(model, tokenizer, self.capability_tests, self.config.max_seq_len,
                              self.config.eval_batch_size)
        low, high = bootstrap_ci(correct, self.config.bootstrap, self.seed)
        return {"accuracy": float(correct.mean()), "accuracy_ci_low": low, "accuracy_ci_high": high}

    def evaluate(self, model, tokenizer, parts: tuple[str, ...] = EVAL_PARTS, capability: bool = True) -> Evaluation:
        """``model`` on every eval set's ``parts`` and, if asked, its capability."""
        evals = {(name, part): self.evaluate_set(model, tokenizer, name, part) for name, part in self.evals
                 if part in parts}
        return Evaluation(evals, self.capability(model, tokenizer) if capability else {})

    def reply_start_logprobs(self, model, tokenizer) -> torch.Tensor:
        from .training import reply_start_logprobs

        return reply_start_logprobs(model, tokenizer, self.kl_prompts)

    def kl_from_start(self, model, tokenizer) -> dict[str, float]:
        """The KL of ``model``'s next-token distributions at the start of its replies from the starting
        model's (``kl_reference``, set when the run starts)."""
        from .training import kl_divergence

        return {KL_FROM_START: kl_divergence(self.reply_start_logprobs(model, tokenizer), self.kl_reference)}
