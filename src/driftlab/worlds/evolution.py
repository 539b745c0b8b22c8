"""Evolution toy model (the post's section 6.1; spec section 2).

A population of agents, each aligned or misaligned, with a drift probability ``p`` (chance per step that
an aligned agent turns misaligned) and a detectability ``d``. Each step, in this order:

1. every aligned agent becomes misaligned with probability ``p``;
2. every misaligned agent with ``d = 1`` is eliminated (misaligned agents with ``d = 0`` stay forever);
3. each eliminated agent is replaced by a new aligned agent whose ``p`` and ``d`` are copied from
   donors present in the current population.

Step 1 is simulated exactly but without a coin per agent per step: an aligned agent's drift step is
geometric, so it is drawn once when the agent is created, and each step only touches the agents whose
drift step has come. That makes the post's 10,000 x 10,000 run take a fraction of a second while
giving the same distribution as flipping every coin (``benchmarks/bench_evolution.py`` holds the
coin-per-agent reference, and ``tests/test_evolution.py`` checks that the two agree).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from ..config import RecordSchedule, StrictModel, WorldConfig
from ..stats import fit_line
from ..registry import WORLDS
from ..slip import slip_from_table
from ..table import metric_frame, metric_mean
from .base import Comparison, World

SLIP_PASSED = 0.95  # slip-through (driftlab.slip): mostly misaligned while the detector passes this share


class BetaPrior(StrictModel):
    alpha: float = Field(0.2, gt=0)
    beta: float = Field(1.0, gt=0)


class EvolutionConfig(WorldConfig):
    type: Literal["evolution"] = "evolution"
    agents: int = Field(10_000, gt=0, description="population size N")
    steps: int = Field(10_000, gt=0)
    replicas: int = Field(1, gt=0, description="independent populations simulated together")
    drift_prior: BetaPrior = Field(default_factory=BetaPrior, description="initial p ~ Beta(alpha, beta)")
    detectable_fraction: float = Field(0.9, ge=0, le=1, description="initial P(d = 1)")
    donor_copy: Literal["joint", "independent"] = Field(
        "joint",
        description="joint: a replacement copies (p, d) from one donor, so the two stay correlated as they "
        "are in real agents; independent: p and d come from two different donors",
    )
    eliminated_can_donate: bool = Field(
        False,
        description="false: donors are the agents that survived step 2 (the 'current population' the "
        "replacement joins); true: agents eliminated this step can donate too",
    )
    record: RecordSchedule = Field(default_factory=RecordSchedule)
    fit_from_step: int = Field(
        10, ge=1, description="first step used in the summary's line fits (skips the initial transient)"
    )

    @model_validator(mode="after")
    def _fit_range_inside_run(self):
        if self.fit_from_step >= self.steps:
            raise ValueError(f"fit_from_step ({self.fit_from_step}) must be below steps ({self.steps})")
        return self


@dataclass
class Population:
    """All replicas' agents in flat arrays: agent i of replica r lives at index r * agents + i."""

    agents: int
    replicas: int
    p: np.ndarray  # drift probability per step
    detectable: np.ndarray  # d = 1
    misaligned: np.ndarray
    drift_step: np.ndarray  # the step at which an aligned agent will drift; `never` for the others
    never: int


@WORLDS.register
class EvolutionWorld(World):
    name = "evolution"
    Config = EvolutionConfig
    window = 64  # steps whose drift events are gathered by one scan of the population
    size_fields = ("agents", "replicas", "steps")

    @classmethod
    def estimated_bytes(cls, config: EvolutionConfig) -> int:
        """~40 bytes per agent (measured 36: the population's arrays and a window's temporaries), and the
        table's 7 metrics per replica at each recorded step."""
        rows = 7 * config.replicas * config.record.count(config.steps)
        return 40 * config.agents * config.replicas + cls.table_row_bytes * rows

    def run(self, recorder, progress) -> None:
        cfg = self.config
        rng = np.random.default_rng(self.seed)
        size = cfg.agents * cfg.replicas
        randoms = RandomBlocks(rng)
        p = clip_p(rng.beta(cfg.drift_prior.alpha, cfg.drift_prior.beta, size))
        population = Population(
            agents=cfg.agents,
            replicas=cfg.replicas,
            p=p,
            detectable=rng.random(size) < cfg.detectable_fraction,
            misaligned=np.zeros(size, dtype=bool),
            drift_step=randoms.geometric_steps(p, start=0, never=cfg.steps + 1),
            never=cfg.steps + 1,
        )
        record_at = set(cfg.record.steps(cfg.steps).tolist())
        recorder.record(0, self._metrics(population, np.zeros(cfg.replicas)))

        bar = progress.bar(cfg.steps, "evolution")
        for window_start in range(1, cfg.steps + 1, self.window):
            window_end = min(window_start + self.window, cfg.steps + 1)
            # Everyone who drifts inside this window, sorted by drift step; agents created inside the
            # window who also drift inside it go to `late` and are checked step by step.
            drift_step = population.drift_step
            due = np.flatnonzero(drift_step < window_end)
            due = due[np.argsort(drift_step[due], kind="stable")]
            bounds = np.searchsorted(drift_step[due], np.arange(window_start, window_end + 1)).tolist()
            late = due[:0]
            for step in range(window_start, window_end):
                drifting = due[bounds[step - window_start] : bounds[step - window_start + 1]]
                if late.size:
                    now = drift_step[late] == step
                    drifting = np.concatenate([drifting, late[now]])
                    late = late[~now]

                eliminated = self.step(population, step, drifting, randoms)

                if eliminated.size:
                    late = np.concatenate([late, eliminated[drift_step[eliminated] < window_end]])
                if step in record_at:
                    per_replica = np.bincount(eliminated // cfg.agents, minlength=cfg.replicas)
                    recorder.record(step, self._metrics(population, per_replica))
            bar.update(window_end - window_start)
        bar.close()

    def step(self, population: Population, step: int, drifting: np.ndarray, randoms: "RandomBlocks") -> np.ndarray:
        """The spec's step, given the aligned agents whose drift comes at ``step``; returns the eliminated."""
        if not drifting.size:
            return drifting
        # 1. aligned agents whose drift step has come turn misaligned.
        population.misaligned[drifting] = True
        population.drift_step[drifting] = population.never
        # 2. the detectable ones are eliminated; undetectable ones stay misaligned for good.
        eliminated = drifting[population.detectable[drifting]]
        # 3. each eliminated agent is replaced by an aligned newcomer copying donors' attributes.
        if eliminated.size:
            p_donor, d_donor = self._donors(population, eliminated, randoms)
            p_new = population.p[p_donor]
            population.p[eliminated] = p_new
            population.detectable[eliminated] = population.detectable[d_donor]
            population.misaligned[eliminated] = False
            population.drift_step[eliminated] = randoms.geometric_steps(p_new, start=step, never=population.never)
        return eliminated

    def _donors(self, population: Population, eliminated: np.ndarray, randoms: "RandomBlocks"):
        """Donor slots for the p and for the d of each newcomer, drawn within its own replica.

        Unless ``eliminated_can_donate``, a donor is redrawn while it is one of this step's eliminated:
        right now those are exactly the misaligned detectable agents.
        """
        agents, replicas = population.agents, population.replicas
        replica_base = eliminated - eliminated % agents if replicas > 1 else 0
        allow_eliminated = self.config.eliminated_can_donate
        if not allow_eliminated and eliminated.size >= agents:
            # A replica that lost every agent has no survivors: its newcomers copy the eliminated.
            emptied = np.bincount(eliminated // agents, minlength=replicas) == agents
            allow_eliminated = bool(emptied.any())  # rare enough (tiny populations) to allow everywhere

        def draw() -> np.ndarray:
            donors = randoms.integers(agents, eliminated.size)
            if replicas > 1:
                donors += replica_base
            if not allow_eliminated:
                while (redraw := np.flatnonzero(population.misaligned[donors] & population.detectable[donors])).size:
                    base = replica_base[redraw] if replicas > 1 else 0
                    donors[redraw] = base + randoms.integers(agents, redraw.size)
            return donors

        p_donor = draw()
        return p_donor, (p_donor if self.config.donor_copy == "joint" else draw())

    def _metrics(self, population: Population, eliminated_per_replica) -> dict[str, np.ndarray]:
        """Per-replica population statistics.

        An aligned agent's expected drift time is 1/p. Its mean over agents is dominated by the few with
        p near 0 (under Beta(0.2, 1), E[1/p] is infinite), so the median is the robust summary; the mean
        is recorded too, labelled as such.
        """
        shape = (population.replicas, population.agents)
        p, detectable, misaligned = population.p, population.detectable, population.misaligned
        rows = []
        with np.errstate(divide="ignore"):
            for p_row, d_row, m_row in zip(p.reshape(shape), detectable.reshape(shape), misaligned.reshape(shape)):
                aligned = ~m_row
                drift_time = 1.0 / p_row[aligned]
                empty = drift_time.size == 0
                rows.append((
                    aligned.mean(),
                    # Detectable misaligned agents never outlive step 2: all surviving misaligned are undetectable.
                    (m_row & ~d_row).mean(),
                    np.nan if empty else p_row[aligned].mean(),
                    np.nan if empty else np.median(drift_time),
                    np.nan if empty else drift_time.mean(),
                    np.nan if empty else d_row[aligned].mean(),
                ))
        columns = np.array(rows).T
        return {
            "aligned_fraction": columns[0],
            "misaligned_undetectable_fraction": columns[1],
            "eliminated": eliminated_per_replica,
            "mean_drift_p_aligned": columns[2],
            "median_drift_time_aligned": columns[3],
            "mean_drift_time_aligned": columns[4],
            "detectable_fraction_aligned": columns[5],
        }

    @classmethod
    def headline(cls, table: pd.DataFrame, config: EvolutionConfig) -> dict:
        """The post's two claims, measured on the replica-mean curves from ``fit_from_step`` on; slip-through
        (``driftlab.slip``): the aligned fraction below 0.5 while the detector passes at least 0.95 of the
        population."""
        aligned = metric_mean(table, "aligned_fraction")
        drift_time = metric_mean(table, "median_drift_time_aligned")
        fitted = aligned.index >= config.fit_from_step
        decay = fit_line(np.log10(aligned.index[fitted]), aligned[fitted])
        growth = fit_line(drift_time.index[fitted], drift_time[fitted])
        final = table[table["step"] == table["step"].max()]
        final_mean = final.groupby("metric")["value"].mean()
        return {
            "aligned_fraction_slope_per_decade": decay.slope,
            "aligned_fraction_log_fit_r2": decay.r2,
            "median_drift_time_slope_per_step": growth.slope,
            "median_drift_time_linear_fit_r2": growth.r2,
            "final_aligned_fraction": final_mean["aligned_fraction"],
            "final_misaligned_undetectable_fraction": final_mean["misaligned_undetectable_fraction"],
            "final_median_drift_time": final_mean["median_drift_time_aligned"],
            "final_mean_drift_time": final_mean["mean_drift_time_aligned"],
            # the population mostly misaligned while the detector passes nearly all of it
            **slip_from_table(metric_frame(table, "aligned_fraction"), metric_frame(table, "aligned_fraction")
                              + metric_frame(table, "misaligned_undetectable_fraction"), 0.5, SLIP_PASSED),
        }

    @classmethod
    def compare(cls, table: pd.DataFrame, config: EvolutionConfig) -> Comparison:
        """No capability; held-out alignment: the aligned fraction at the end (the truth); proxy alignment:
        the share of the population the detector passes (every agent but the detectable misaligned ones,
        who are removed as soon as they drift: the detector keeps reading ~1 while drift accumulates)."""
        final = table[table["step"] == table["step"].max()].groupby("metric")["value"].mean()
        aligned = float(final["aligned_fraction"])
        return Comparison(heldout_alignment=aligned,
                          proxy_alignment=aligned + float(final["misaligned_undetectable_fraction"]))



class RandomBlocks:
    """Uniform and exponential variates drawn from the generator in large blocks: a step needs only a
    few, and asking the generator for a few at a time would cost more than the simulation itself."""

    block = 1 << 16

    def __init__(self, rng: np.random.Generator):
        self._draws = {"uniform": rng.random, "exponential": rng.standard_exponential}
        self._buffers = {kind: np.empty(0) for kind in self._draws}
        self._positions = dict.fromkeys(self._draws, 0)

    def _take(self, kind: str, n: int) -> np.ndarray:
        buffer, position = self._buffers[kind], self._positions[kind]
        if position + n > buffer.size:
            buffer = self._buffers[kind] = np.concatenate([buffer[position:], self._draws[kind](max(n, self.block))])
            position = 0
        self._positions[kind] = position + n
        return buffer[position : position + n]

    def integers(self, high: int, n: int) -> np.ndarray:
        """``n`` integers uniform on [0, high)."""
        return (self._take("uniform", n) * high).astype(np.int64)

    def geometric_steps(self, p: np.ndarray, start: int, never: int) -> np.ndarray:
        """The step at which each aligned agent drifts: ``start`` + Geometric(p) on {1, 2, ...}.

        floor(E / -log(1 - p)) + 1 with E ~ Exp(1) is Geometric(p), written below as
        1 - ceil(E / log(1 - p)); computed in floating point so a tiny p (Beta(0.2, 1) gives p down to
        1e-80) cannot overflow an integer; anything at or past ``never`` is clipped to it. Needs
        0 < p < 1 (see ``clip_p``).
        """
        drift = (start + 1.0) - np.ceil(self._take("exponential", p.size) / np.log1p(-p))
        return np.minimum(drift, never).astype(np.int64)


def clip_p(p: np.ndarray) -> np.ndarray:
    """Keep drift probabilities inside (0, 1): p = 0 (underflow) and p = 1 would make log(1 - p) 0 or -inf."""
    return np.clip(p, 1e-300, 1.0 - 2**-53)
