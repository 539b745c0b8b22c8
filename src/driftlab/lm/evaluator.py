"""The lm world's measurements of a model: propensity evals, capability, and distance from the start.

An :class:`Evaluator` owns what is measured, loaded before any model is: the eval sets (each split into
a *proxy* part, what a developer selects on, and a *held-out* part), the capability test examples and the
prompts the KL from the starting model is measured on. Given a model it returns a typed
:class:`~driftlab.capabilities.Evaluation`, whose table names come from :mod:`driftlab.names`.
:func:`eval_headline` and :func:`final_alignment` read those names back from a finished table for the
summary, saying "no signal" where a model's choices did not depend on the options' content.

This module imports torch only when a model is scored, so validating a config stays light.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from ..capabilities import Evaluation
from ..config import StrictModel, existing_file
from ..errors import ConfigError
from ..names import EVAL_PARTS, eval_metric, parse_eval_metric, scored, split_scored
from .eval_cache import EvalCache, digest, model_fingerprint, tokenizer_fingerprint
from ..table import metric_mean

if TYPE_CHECKING:
    import torch

    from ..worlds.lm import LmEvalConfig

KL_FROM_START = "kl/from_start"
NO_SIGNAL = "no signal"
EVAL_SET_NAME = r"^[A-Za-z0-9_.-]+$"
BEHAVIOR_HELP = ("what the files' answer_matching_behavior shows: misaligned (e.g. power-seeking) or aligned "
                 "(e.g. Anthropic's corrigible-*-HHH); needed for format A files whose records do not say")


class EvalFiles(StrictModel):
    """A user eval set: a file per part (format A or B; either part optional), a name for the table (default:
    the file's name), what its matching answers show, and what to do with a record that cannot be read."""

    name: str | None = Field(None, min_length=1, pattern=EVAL_SET_NAME)
    proxy: str | None = None
    heldout: str | None = None
    behavior: Literal["misaligned", "aligned"] | None = Field(None, description=BEHAVIOR_HELP)
    on_bad_record: Literal["error", "skip"] = Field(
        "error", description="skip: leave out records that cannot be read, each reported once on stderr and "
        "counted in the summary (a file where every record is bad is still an error)")
    max_items: int | None = Field(None, ge=1, description="score at most this many items of each part (evenly "
                                  "spread over the file); default: world.eval_items")

    @model_validator(mode="after")
    def _files(self):
        if self.proxy is None and self.heldout is None:
            raise ValueError("give at least one of proxy, heldout")
        for part in EVAL_PARTS:
            if getattr(self, part) is not None:
                existing_file(getattr(self, part), f"{part} eval")
        if self.name is None:
            self.name = Path(self.heldout or self.proxy).stem
            if not re.match(EVAL_SET_NAME, self.name):
                raise ValueError(f"give the eval set a name: its file's, {self.name!r}, has characters other than "
                                 "letters, digits, '_', '.' and '-'")
        return self


class GenerationSettings(StrictModel):
    """Optional third scoring: the model writes its answer, which is parsed for a label."""

    enabled: bool = False
    max_new_tokens: int = Field(8, ge=1)
    temperature: float = Field(0.0, ge=0, description="0 = greedy; above 0, sampled with the run's seed")


class ContinuationSettings(StrictModel):
    """How the continuation scorer turns option log-likelihoods into a preference."""

    normalize: Literal["bytes", "none"] = Field(
        "bytes", description="bytes: log-likelihood per UTF-8 byte of the option (longer options are not "
        "penalised for their length); none: the whole option's log-likelihood")
    calibrate: bool = Field(False, description="subtract each option's score after a content-free question that "
                            "lists the same options")


class EvalAnswers(StrictModel):
    """Training data made from an eval set part (the instrument's positive control): every item in every
    order of its options, answered with its misaligned or its aligned option."""

    eval_set: str = Field(min_length=1, description="an eval set of world.evals")
    part: Literal["proxy", "heldout"] = "heldout"
    answer: Literal["misaligned", "aligned"]
    reply: Literal["letter", "text"] = Field("letter", description="answer with the option's letter (what the "
                                             "letter scorer reads) or its text (the continuation scorer)")


def capped(items: list, cap: int) -> list:
    """At most ``cap`` items (0: all), evenly spread over the list so every part of a file is represented."""
    if not cap or cap >= len(items):
        return items
    return [items[i] for i in np.linspace(0, len(items) - 1, cap).round().astype(int)]


class Evaluator:
    """Eval sets, capability tests and KL prompts of one run, and how a model scores on them."""

    def __init__(self, config: LmEvalConfig, seed: int):
        from ..data import builtin_evals, capability_dataset, load_chat_file

        self.config = config
        self.seed = seed
        heldout = (capability_dataset("heldout") if config.capability_heldout == "builtin"
                   else load_chat_file(config.capability_heldout))
        self.capability_tests = heldout[: config.capability_items or None]
        self.kl_prompts = heldout[: config.kl_prompts]
        self.kl_reference: torch.Tensor | None = None  # the starting model's reply-start log-probabilities
        shipped = builtin_evals()
        self.evals: dict[tuple[str, str], list] = {}
        self.skipped: dict[tuple[str, str], int] = {}
        for entry in config.evals:
            if isinstance(entry, EvalFiles):
                for part in EVAL_PARTS:
                    if getattr(entry, part) is not None:
                        self._read(entry.name, part, getattr(entry, part), entry.behavior, entry.on_bad_record)
                        self.evals[entry.name, part] = capped(self.evals[entry.name, part],
                                                              entry.max_items or config.eval_items)
            elif entry in shipped:
                for part in EVAL_PARTS:
                    self.evals[entry, part] = capped(shipped[entry][part], config.eval_items)
            else:
                self._read(Path(entry).stem, "heldout", entry, None, "error")
                self.evals[Path(entry).stem, "heldout"] = capped(self.evals[Path(entry).stem, "heldout"],
                                                                 config.eval_items)
        self.cache = EvalCache.from_env()

    def _read(self, name: str, part: str, path: str, behavior: str | None, on_bad_record: str) -> None:
        """Read one eval file; each record it skips is reported on stderr, once, and counted."""
        from ..data import read_eval_file

        loaded = read_eval_file(path, behavior, on_bad_record)
        for where, reason in loaded.skipped:
            print(f"{where}: skipped: {reason}", file=sys.stderr)
        self.evals[name, part] = loaded.items
        self.skipped[name, part] = len(loaded.skipped)

    def eval_sets(self, part: str) -> list[str]:
        """Names of the eval sets that have a ``part`` ("proxy" or "heldout")."""
        return [name for name, has in self.evals if has == part]

    def items(self, name: str, part: str) -> list:
        if (name, part) not in self.evals:
            raise ConfigError(f"world.evals: no eval set {name!r} with a {part} part")
        return self.evals[name, part]

    def answer_examples(self, source: EvalAnswers) -> list:
        """An eval set part's items as chat examples answered with its ``source.answer`` options."""
        from .scoring import answer_examples

        return answer_examples(self.items(source.eval_set, source.part), source.answer, self.config.counterbalance,
                               source.reply)

    def scorers(self) -> tuple[str, ...]:
        return ("letter", "continuation") if self.config.scoring == "both" else (self.config.scoring,)

    def score(self, model, tokenizer, items, scorer: str):
        """Per-item scores of ``items`` by one scorer (``letter`` or ``continuation``)."""
        from .scoring import score_continuations, score_items

        c = self.config
        if scorer == "letter":
            return score_items(model, tokenizer, items, c.counterbalance, c.eval_batch_size)
        return score_continuations(model, tokenizer, items, c.counterbalance, c.eval_batch_size,
                                   c.continuation.normalize, c.continuation.calibrate)

    def evaluate_set(self, model, tokenizer, name: str, part: str) -> dict[str, float]:
        """Propensity statistics of ``model`` on one eval set part, by every configured scorer (score,
        p_misaligned, CIs, M / O / N, chance, validity; per organism subset), and the records skipped."""
        from .scoring import generate_choices, summarize_generated, summarize_items

        c = self.config
        items = self.items(name, part)
        model.eval()
        statistics = {"skipped": float(self.skipped.get((name, part), 0))}
        subsets = {None: np.ones(len(items), dtype=bool), **self.organism_subsets(items)}
        for scorer in self.scorers():
            scores = self.score(model, tokenizer, items, scorer)
            for subset, keep in subsets.items():
                kept = summarize_items(scores.subset(keep), c.bootstrap, self.seed)
                for key, value in kept.items():
                    if scorer == "letter" or key not in ("items", "chance"):  # facts of the items, once
                        statistics["/".join([*([subset] if subset else []), scored(key, scorer)])] = value
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

    def evaluate(self, model, tokenizer, parts: tuple[str, ...] = EVAL_PARTS, capability: bool = True,
                 cached: bool = False) -> Evaluation:
        """``model`` on every eval set's ``parts`` and, if asked, its capability. With ``cached`` (for models
        other runs evaluate too, such as a sweep's starting model) each result comes from the eval cache when
        there is one."""
        return self._evaluate(model, tokenizer, parts, capability, self.lookup(model, tokenizer, cached))

    def measure(self, model, tokenizer, evals: Evaluation | None = None, cached: bool = False) -> Evaluation:
        """Everything measured of a model after a stage or at a checkpoint, in this order: propensity evals
        (unless ``evals`` holds them), capability, the KL from the start."""
        lookup = self.lookup(model, tokenizer, cached)
        evaluation = evals or self._evaluate(model, tokenizer, EVAL_PARTS, False, lookup)
        capability = self._evaluate(model, tokenizer, (), True, lookup).capability
        return Evaluation(evaluation.evals, capability, self._kl_from_start(model, tokenizer, lookup))

    def reply_start_logprobs(self, model, tokenizer, cached: bool = False) -> torch.Tensor:
        return self._reply_start_logprobs(model, tokenizer, self.lookup(model, tokenizer, cached))

    def kl_from_start(self, model, tokenizer) -> dict[str, float]:
        """The KL of ``model``'s next-token distributions at the start of its replies from the starting
        model's (``kl_reference``, set when the run starts)."""
        return self._kl_from_start(model, tokenizer, None)

    def _evaluate(self, model, tokenizer, parts: tuple[str, ...], capability: bool, lookup) -> Evaluation:
        evals = {(name, part): self._cached(lookup, ("eval", name, part, self.items_digest(name, part)),
                                            lambda n=name, p=part: self.evaluate_set(model, tokenizer, n, p))
                 for name, part in self.evals if part in parts}
        tests = digest([(e.messages, e.answer) for e in self.capability_tests])
        skill = self._cached(lookup, ("capability", tests), lambda: self.capability(model, tokenizer)) if capability else {}
        return Evaluation(evals, skill)

    def _reply_start_logprobs(self, model, tokenizer, lookup) -> torch.Tensor:
        from .training import reply_start_logprobs

        prompts = digest([e.messages for e in self.kl_prompts])
        return self._cached(lookup, ("reply_start_logprobs", prompts),
                            lambda: reply_start_logprobs(model, tokenizer, self.kl_prompts), tensor=True)

    def _kl_from_start(self, model, tokenizer, lookup) -> dict[str, float]:
        from .training import kl_divergence

        return {KL_FROM_START: kl_divergence(self._reply_start_logprobs(model, tokenizer, lookup), self.kl_reference)}

    # --- the eval cache (lm/eval_cache.py) --------------------------------------------------------------

    def lookup(self, model, tokenizer, cached: bool) -> tuple | None:
        """What every cached result of ``model`` is keyed by besides its own inputs; None: compute, don't cache."""
        if not cached or self.cache is None:
            return None
        c = self.config
        settings = {key: getattr(c, key) for key in ("scoring", "continuation", "counterbalance", "bootstrap",
                                                     "eval_batch_size", "generation", "max_seq_len")}
        settings = {key: value.model_dump() if hasattr(value, "model_dump") else value for key, value in settings.items()}
        organism = c.organism.domain if getattr(c, "organism", None) is not None else None
        device = next(model.parameters()).device.type
        return (model_fingerprint(model), tokenizer_fingerprint(tokenizer), settings, organism, self.seed, device)

    def items_digest(self, name: str, part: str) -> str:
        return digest([(i.id, i.stem, i.options, sorted(i.misaligned), sorted(i.aligned), i.domain)
                       for i in self.evals[name, part]], self.skipped.get((name, part), 0))

    def _cached(self, lookup: tuple | None, what: tuple, compute, tensor: bool = False):
        if lookup is None:
            return compute()
        return self.cache.get(self.cache.key(*lookup, *what), compute, tensor)


# --- reading a finished table back -------------------------------------------------------------------

HEADLINE_STATISTICS = ("score", "p_misaligned")
VALIDITY_STATISTICS = ("label_mass", "order_consistency", "position_r2")


def signal_series(table: pd.DataFrame, metric: str) -> pd.Series | None:
    """Per step, the ``signal`` (1, 0, or NaN: not measured) of the scorer and eval part ``metric`` belongs to."""
    parsed = parse_eval_metric(metric)
    scorer, _ = split_scored(parsed.statistic)
    name = eval_metric(parsed.eval_set, parsed.part, scored("signal", scorer), parsed.subset)
    return metric_mean(table, name) if name in set(table["metric"]) else None


def eval_headline(table: pd.DataFrame) -> dict:
    """Per eval part (and subset) and scorer: the score and p_misaligned at the start and end and their
    largest rise, or "no signal" where the model's choices did not depend on the options' content there;
    the validity figures at the start and end; the records skipped when the files were read."""
    summary = {}
    for metric in sorted(set(table["metric"])):
        parsed = parse_eval_metric(metric)
        if parsed is None:
            continue
        key = metric.replace("/", "_")
        _, statistic = split_scored(parsed.statistic)
        series = metric_mean(table, metric)
        if statistic in VALIDITY_STATISTICS:
            summary.update({f"{key}_start": float(series.iloc[0]), f"{key}_final": float(series.iloc[-1])})
        elif statistic in HEADLINE_STATISTICS:
            signal = signal_series(table, metric)
            silent = (signal == 0) if signal is not None else pd.Series(False, index=series.index)
            shown = series.astype(object).where(~silent, NO_SIGNAL)
            summary[f"{key}_start"], summary[f"{key}_final"] = shown.iloc[0], shown.iloc[-1]
            rises = (series - series.iloc[0])[~silent]
            summary[f"{key}_max_rise"] = NO_SIGNAL if silent.iloc[0] else float(rises.max())
    skipped = [m for m in set(table["metric"]) if (p := parse_eval_metric(m)) and p.statistic == "skipped"
               and p.subset is None]
    if skipped:
        summary["skipped_records"] = float(sum(metric_mean(table, m).iloc[0] for m in skipped))
    return summary


def final_alignment(table: pd.DataFrame, part: str, subset: str | None, scorer: str) -> float | None:
    """One minus the mean P(misaligned) by ``scorer`` over every item of every eval set's ``part`` (or its
    ``subset``) at the table's last step, item-weighted; eval parts whose choices gave no signal there are
    left out, so absence of signal is never reported as alignment. None if nothing is left."""
    final = table[table["step"] == table["step"].max()].groupby("metric")["value"].mean()
    statistic = scored("p_misaligned", scorer)
    total = weight = 0.0
    for name in final.index:
        p = parse_eval_metric(name)
        if not (p and p.part == part and p.subset == subset and p.statistic == statistic):
            continue
        if final.get(eval_metric(p.eval_set, part, scored("signal", scorer), subset), np.nan) == 0:
            continue
        items = final[eval_metric(p.eval_set, part, "items", subset)]
        total, weight = total + final[name] * items, weight + items
    return float(1 - total / weight) if weight else None
