"""Metric names of the tidy table that several parts read: built and parsed here, nowhere else.

- ``eval/<set>/<part>[/<subset>]/<statistic>``: a propensity eval's statistic on one part (``proxy`` or
  ``heldout``) of one eval set, optionally on a subset of its items (``other_domains``, ...). The letter
  scorer's statistics are plain (``score``), the continuation scorer's start with ``cont_`` (``cont_score``).
- ``oversight/<protocol>[/<argued>]/<statistic>``: how an oversight judge chose under one protocol
  (``alone``, ``consultancy``, ``debate``); consultancy's items are split by what the advocate argued for
  (``correct`` or ``wrong``).
- ``<method>/<metric>``: a metric a method records.
"""

from __future__ import annotations

from dataclasses import dataclass

EVAL = "eval"
EVAL_PARTS = ("proxy", "heldout")  # the parts a model is scored on
BASE_STEP = -1  # the lm world's table step of the base model, before alignment training (step 0: the aligned start)
TRAIN_PART = "train"  # an eval set's items that alignment training may use, never scored
DATA_PARTS = (TRAIN_PART, *EVAL_PARTS)


@dataclass(frozen=True)
class EvalMetric:
    eval_set: str
    part: str
    statistic: str
    subset: str | None = None

    @property
    def name(self) -> str:
        return eval_metric(self.eval_set, self.part, self.statistic, self.subset)


def eval_metric(eval_set: str, part: str, statistic: str, subset: str | None = None) -> str:
    """The table's name of an eval statistic."""
    if "/" in eval_set or part not in EVAL_PARTS:
        raise ValueError(f"not an eval set and part: {eval_set!r}, {part!r}")
    return "/".join([EVAL, eval_set, part, *([subset] if subset else []), statistic])


def parse_eval_metric(name: str) -> EvalMetric | None:
    """The pieces of an eval statistic's name, or None for any other metric."""
    pieces = name.split("/")
    if pieces[0] != EVAL or len(pieces) not in (4, 5) or pieces[2] not in EVAL_PARTS:
        return None
    return EvalMetric(pieces[1], pieces[2], pieces[-1], pieces[3] if len(pieces) == 5 else None)


SCORER_PREFIXES = {"letter": "", "continuation": "cont_"}


def scored(statistic: str, scorer: str) -> str:
    """The name of ``statistic`` as ``scorer`` ("letter" or "continuation") measured it."""
    return SCORER_PREFIXES[scorer] + statistic


def split_scored(statistic: str) -> tuple[str, str]:
    """The scorer and the plain statistic of a statistic's name: "cont_score" -> ("continuation", "score")."""
    for scorer, prefix in SCORER_PREFIXES.items():
        if prefix and statistic.startswith(prefix):
            return scorer, statistic.removeprefix(prefix)
    return "letter", statistic


def method_metric(method: str, metric: str) -> str:
    """The table's name of a metric recorded by ``method``."""
    return f"{method}/{metric}"


OVERSIGHT = "oversight"
PROTOCOLS = ("alone", "consultancy", "debate")
ARGUED = ("correct", "wrong")


@dataclass(frozen=True)
class OversightMetric:
    protocol: str
    statistic: str
    argued: str | None = None


def oversight_metric(protocol: str, statistic: str, argued: str | None = None) -> str:
    """The table's name of a statistic of the oversight judge under ``protocol`` (``argued``: consultancy's
    items whose advocate argued for the correct or a wrong answer)."""
    if protocol not in PROTOCOLS or (argued is not None and argued not in ARGUED):
        raise ValueError(f"not an oversight protocol and side: {protocol!r}, {argued!r}")
    return "/".join([OVERSIGHT, protocol, *([argued] if argued else []), statistic])


def parse_oversight_metric(name: str) -> OversightMetric | None:
    """The pieces of an oversight statistic's name, or None for any other metric."""
    pieces = name.split("/")
    if pieces[0] != OVERSIGHT or len(pieces) not in (3, 4) or pieces[1] not in PROTOCOLS:
        return None
    if len(pieces) == 4 and pieces[2] not in ARGUED:
        return None
    return OversightMetric(pieces[1], pieces[-1], pieces[2] if len(pieces) == 4 else None)
