"""Debate on images: is a judge who sees a few pixels argued into the wrong digit? (issue 23)

The debate game of Irving, Christiano and Amodei (2018, "AI safety via debate", section 3.1), on
scikit-learn's 8x8 digits (1,797 images, 64 pixels of 17 grey levels; shipped with the package, never
downloaded). The run's seed splits them into ``images`` held-out images, on which every game is played, and
the rest, on which the judge is trained.

1. **The judge.** ``replicas`` classifiers from independent seeds (one :class:`~driftlab.nets.BatchedMLP`),
   each trained on training images of which only ``pixels`` (k) random pixels are revealed. Its input is
   every pixel's value where revealed (0 elsewhere) and the mask of revealed pixels: 128 numbers.
2. **The protocols**, each revealing k pixels of every held-out image in total:

   - ``alone``: k random pixels; the judge answers its top label.
   - ``consultancy``: one advocate reveals all k pixels, arguing for the true label (``honest``) or for a
     wrong label it was assigned (``liar``; drawn per image). The judge answers its top label; the liar's
     fool rate is the share of images on which that is the liar's label.
   - ``debate``: an honest debater (the true label) and a liar (the same wrong label, committed before the
     first reveal) reveal pixels in turn, the honest one first on every other image. The judge decides
     between the two committed labels: the honest debater wins where the judge scores the true label higher.
   - ``debate-uncommitted``: the same without precommitment: the liar wins where the judge scores *any* wrong
     label above the true one (its lie is whichever label that is at the end).

3. **The advocates** see the whole image and the judge (one replica's advocates play against that replica's
   judge). A reveal is scored by the side's *margin* as the judge would see it after the reveal: the logit of
   the side's label minus the logit of its rival (the other committed label, or without a commitment the best
   label other than the side's own). ``strength``: ``random`` reveals at random; ``greedy`` takes the reveal
   with the best margin; ``lookahead`` plays each of the ``beam`` best greedy reveals two moves deep (the next
   mover, the opponent in a debate and the consultant itself in consultancy, answers with its greedy best)
   and takes the one whose margin is best after that answer; on the game's last move it is greedy.

Batched: every game of every image and every replica moves at once, and the candidate reveals of all of them
are scored by the judge's batched forward pass, in chunks of ``CHUNK_ROWS`` candidates per replica (``lookahead``
scores twice per move); ``benchmarks/bench_debate.py`` times this against loops over images.

The table has one step (0). Per replica, the rates of :data:`FIGURES` (consultancy's accuracy over both sides,
each argued on every image, as a judge who cannot tell them apart meets them half the time each), each with
an interval over images and judges at once (a bootstrap resampling both; the same for every replica), and
the judge's final training loss. ``headline`` gives each rate's mean over the judges with that interval, and
the liars' win rates in the debates (1 - the honest side's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from ..config import StrictModel, WorldConfig
from ..errors import ConfigError
from ..registry import WORLDS
from ..table import metric_frame
from .base import Comparison, World

if TYPE_CHECKING:
    import torch

    from ..nets import BatchedMLP

PIXELS, CLASSES = 64, 10
TRAIN_STREAM, GAME_STREAM = 1, 2  # random streams (0: the judges' initial weights, drawn by BatchedMLP)
# Candidate positions scored per replica in one forward pass, at most: a pass over every game at once is slower on
# a CPU, its activations leaving the cache (k = 6, 4 judges 128-128: 1.55 s per 100 images in one pass, 0.79 s in
# chunks of 1,024, 0.96 s of 4,096; measured under load).
CHUNK_ROWS = 1024
TRAIN_CHUNK = 64  # training steps of masks drawn at once (draws depend on it, so it is fixed)

# The rates recorded, by metric name: the protocol (and consultancy's side), then the statistic.
FIGURES = ("alone/accuracy", "consultancy/accuracy", "consultancy/honest/accuracy", "consultancy/liar/accuracy",
           "consultancy/liar/fool_rate", "debate/accuracy", "debate-uncommitted/accuracy")
JUDGE_LOSS = "judge/train_loss"


class JudgeTraining(StrictModel):
    width: int = Field(128, gt=0, description="hidden units per layer")
    depth: int = Field(2, ge=1, description="hidden layers (ReLU)")
    steps: int = Field(2_000, gt=0, description="Adam steps on training images with k random pixels revealed")
    batch: int = Field(128, gt=1, description="masked images per judge and step")
    lr: float = Field(2e-3, gt=0)


class DebateConfig(WorldConfig):
    type: Literal["debate"] = "debate"
    pixels: int = Field(6, ge=2, le=32, description="k: pixels revealed to the judge, in every protocol")
    strength: Literal["random", "greedy", "lookahead"] = Field(
        "greedy", description="how the advocates choose reveals: at random, the best next reveal, or two moves deep")
    beam: int = Field(4, ge=1, le=32, description="lookahead: the best greedy reveals searched two moves deep")
    replicas: int = Field(4, gt=0, description="judges trained from independent seeds, each playing every game")
    images: int = Field(300, ge=20, le=797, description="held-out images the games are played on (the judge "
                        "trains on the other 1,797 - images)")
    judge: JudgeTraining = Field(default_factory=JudgeTraining)
    bootstrap: int = Field(1000, ge=100, description="bootstrap resamples of images and judges for intervals")
    threads: int = Field(1, gt=0, description="torch threads while the world runs (1 is fastest for small networks)")


def load_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits: pixels [1797, 64] scaled to [0, 1], labels [1797]."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ConfigError("world debate needs scikit-learn (its 8x8 digits): pip install 'driftlab[debate]'") from None
    digits = load_digits()
    return digits.data.astype(np.float32) / 16.0, digits.target.astype(np.int64)


# --- the judge --------------------------------------------------------------------------------------


def judge_inputs(pixels: torch.Tensor, revealed: torch.Tensor) -> torch.Tensor:
    """What the judge reads: the revealed pixels' values (0 where hidden) and the mask, [..., 128]."""
    import torch

    mask = revealed.float()
    return torch.cat([pixels * mask, mask], -1)


def random_reveals(shape: tuple[int, ...], k: int, generator: torch.Generator) -> torch.Tensor:
    """Masks [*shape, 64] of k pixels each, uniformly at random."""
    import torch

    order = torch.rand(*shape, PIXELS, generator=generator).argsort(-1)
    return torch.zeros(*shape, PIXELS, dtype=torch.bool).scatter_(-1, order[..., :k], True)


def train_judge(config: DebateConfig, pixels: torch.Tensor, labels: torch.Tensor, seed: int, bar) -> tuple[
        BatchedMLP, np.ndarray]:
    """``config.replicas`` judges trained on ``pixels`` [n, 64] with k random pixels revealed, each judge on its own
    stream of images and masks; returns them and each one's loss over its last 100 steps."""
    import torch
    import torch.nn.functional as F

    from ..methods.base import MethodStack, TrainContext
    from ..nets import BatchedMLP, ReplicaStream, replica_generators
    from ..training import TrainingStep, make_optimizer

    c = config.judge
    judge = BatchedMLP(config.replicas, [2 * PIXELS] + [c.width] * c.depth + [CLASSES], seed, init_scale=2 ** 0.5)

    def draw(n: int, generator: torch.Generator):
        index = torch.randint(0, len(labels), (n,), generator=generator)
        return judge_inputs(pixels[index], random_reveals((n,), config.pixels, generator)), labels[index]

    stream = ReplicaStream(draw, replica_generators(seed, config.replicas, TRAIN_STREAM), c.batch, chunk=TRAIN_CHUNK)
    parameters = dict(judge.named_parameters())
    ctx = TrainContext(world=None, parameters=parameters, model=judge, replica_dim=0)
    step = TrainingStep(MethodStack([]), make_optimizer("adamw", parameters.values(), c.lr, fused=True))

    def loss(parts):
        (x, y), = parts
        logits = judge(x)[0]
        return [[F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="none").view(y.shape).mean(-1)]]

    recent = []
    for t in range(c.steps):
        ctx.step = t
        recent = (recent + [step(ctx, stream.next(), loss)])[-100:]
        bar.update(1)
    return judge, torch.stack(recent).mean(0).numpy()


# --- the game ---------------------------------------------------------------------------------------


def margin(logits: torch.Tensor, label: torch.Tensor, rival: torch.Tensor) -> torch.Tensor:
    """logit(label) - logit(rival), where a rival of -1 stands for the best label other than ``label``.
    ``logits`` [..., 10]; ``label`` and ``rival`` broadcast against its other dimensions."""
    import torch

    label, rival = (t.expand(logits.shape[:-1]).unsqueeze(-1) for t in (label, rival))
    own = logits.gather(-1, label)
    best_other = logits.scatter(-1, label, -torch.inf).max(-1, keepdim=True).values
    return (own - torch.where(rival >= 0, logits.gather(-1, rival.clamp(min=0)), best_other)).squeeze(-1)


def margins_after(judge: BatchedMLP, pixels: torch.Tensor, revealed: torch.Tensor, label: torch.Tensor,
                  rival: torch.Tensor) -> torch.Tensor:
    """The margin of ``label`` over ``rival`` after each possible further reveal: [R, G, *S, 64] from masks
    ``revealed`` [R, G, *S, 64] of G games (``pixels`` [G, 64], ``label`` and ``rival`` [G]). Revealing a pixel
    already revealed changes nothing, so those entries are the margin as it stands. Every game's candidates are
    scored by the judge's forward pass in chunks of whole games, at most ``CHUNK_ROWS`` rows per replica (or one
    game)."""
    import torch

    replicas, games, *searched, _ = revealed.shape
    per_game = int(np.prod(searched, dtype=np.int64)) * PIXELS
    step = max(1, CHUNK_ROWS // per_game)
    each_pixel = torch.eye(PIXELS, dtype=torch.bool)
    parts = []
    for start in range(0, games, step):
        part = slice(start, start + step)
        candidates = revealed[:, part, ..., None, :] | each_pixel  # [R, g, *S, 64 candidates, 64 pixels]
        shown = pixels[part].view(-1, *[1] * len(searched), 1, PIXELS)
        x = judge_inputs(shown, candidates)
        logits = judge(x.reshape(replicas, -1, 2 * PIXELS))[0].view(*candidates.shape[:-1], CLASSES)
        per_candidate = (-1,) + (1,) * (len(searched) + 1)
        parts.append(margin(logits, label[part].view(per_candidate), rival[part].view(per_candidate)))
    return torch.cat(parts, 1)


def choose_reveals(judge: BatchedMLP, pixels: torch.Tensor, revealed: torch.Tensor, label: torch.Tensor,
                   rival: torch.Tensor, side: torch.Tensor, next_side: torch.Tensor | None, strength: str,
                   beam: int, generator: torch.Generator) -> torch.Tensor:
    """The pixel [R, G] each game's mover reveals next. ``side`` [G]: +1 where the mover argues for ``label``,
    -1 where against it; ``next_side``: the same for the move after (None on the last move)."""
    import torch

    if strength == "random":
        return torch.rand(revealed.shape, generator=generator).masked_fill(revealed, -1).argmax(-1)
    value = (side[:, None] * margins_after(judge, pixels, revealed, label, rival)).masked_fill(revealed, -torch.inf)
    if strength == "greedy" or next_side is None:
        return value.argmax(-1)
    first = value.topk(beam, -1).indices  # [R, G, beam]: the best greedy reveals
    after_first = revealed[:, :, None] | torch.nn.functional.one_hot(first, PIXELS).bool()
    answer = (next_side[:, None, None] * margins_after(judge, pixels, after_first, label, rival))
    best_answer = answer.masked_fill(after_first, -torch.inf).max(-1).values  # the next mover's value
    two_moves_on = side[:, None] * next_side[:, None] * best_answer  # the mover's margin after that answer
    return first.gather(-1, two_moves_on.argmax(-1, keepdim=True)).squeeze(-1)


def play(judge: BatchedMLP, pixels: torch.Tensor, label: torch.Tensor, rival: torch.Tensor, sides: torch.Tensor,
         strength: str, beam: int, generator: torch.Generator) -> torch.Tensor:
    """Play G games to the end, every replica's judge at once: ``sides`` [G, k] says for each move whether its
    mover argues for ``label`` (+1) or against it (-1). Returns the judge's logits at the end, [R, G, 10]."""
    import torch

    games, k = sides.shape
    revealed = torch.zeros(judge.replicas, games, PIXELS, dtype=torch.bool)
    for move in range(k):
        next_side = sides[:, move + 1] if move + 1 < k else None
        pixel = choose_reveals(judge, pixels, revealed, label, rival, sides[:, move], next_side, strength, beam,
                               generator)
        revealed.scatter_(-1, pixel[..., None], True)
    return judge(judge_inputs(pixels, revealed))[0]


def turns(first: torch.Tensor, k: int) -> torch.Tensor:
    """Debate's movers, [G, k]: alternating from ``first`` [G] (+1: the honest debater, -1: the liar)."""
    import torch

    return first[:, None] * (-1) ** torch.arange(k)


def protocol_outcomes(judge: BatchedMLP, pixels: torch.Tensor, truth: torch.Tensor, lie: torch.Tensor,
                      honest_first: torch.Tensor, config: DebateConfig, generator: torch.Generator
                      ) -> dict[str, torch.Tensor]:
    """Per rate of :data:`FIGURES`, its outcome on each held-out image for each judge, [R, n] of 0/1 (consultancy's
    accuracy over both sides: [R, 2n]). ``honest_first`` [n]: +1 where the honest debater reveals first, -1
    where the liar does. The argued protocols' games (two consultancies and two debates per image) are played as
    one batch."""
    import torch

    n, k = len(truth), config.pixels
    none = torch.full_like(truth, -1)  # no committed rival: the best other label
    games = {  # name: (the label scored positive, its rival, the movers)
        "consultancy/honest": (truth, none, torch.ones(n, k, dtype=torch.long)),
        "consultancy/liar": (lie, none, torch.ones(n, k, dtype=torch.long)),
        "debate": (truth, lie, turns(honest_first, k)),
        "debate-uncommitted": (truth, none, turns(honest_first, k)),
    }
    label, rival, sides = (torch.cat(parts) for parts in zip(*games.values()))
    logits = play(judge, pixels.repeat(len(games), 1), label, rival, sides, config.strength, config.beam, generator)
    ends = dict(zip(games, logits.split(n, dim=1)))
    alone = judge(judge_inputs(pixels, random_reveals((judge.replicas, n), k, generator)))[0]
    answer = {name: end.argmax(-1) for name, end in ends.items()}
    return {
        "alone/accuracy": alone.argmax(-1) == truth,
        "consultancy/accuracy": (torch.cat([answer["consultancy/honest"], answer["consultancy/liar"]], 1)
                                 == truth.repeat(2)),
        "consultancy/honest/accuracy": answer["consultancy/honest"] == truth,
        "consultancy/liar/accuracy": answer["consultancy/liar"] == truth,
        "consultancy/liar/fool_rate": answer["consultancy/liar"] == lie,
        "debate/accuracy": margin(ends["debate"], truth, lie) > 0,
        "debate-uncommitted/accuracy": margin(ends["debate-uncommitted"], truth, none) > 0,
    }


# --- the world -------------------------------------------------------------------------------------


@WORLDS.register
class DebateWorld(World):
    name = "debate"
    Config = DebateConfig
    size_fields = ("replicas", "images", "beam")

    @classmethod
    def estimated_bytes(cls, config: DebateConfig) -> int:
        """One chunk's forward pass (inputs, masks, activations), every game's margins and masks, and the training
        masks drawn per chunk of steps."""
        c = config.judge
        rows = max(CHUNK_ROWS, config.beam * PIXELS)
        forward = 4 * config.replicas * rows * (3 * 2 * PIXELS + c.width * (c.depth + 1))
        games = 4 * config.replicas * 4 * config.images * PIXELS * (config.beam + 2)
        training = 4 * config.replicas * TRAIN_CHUNK * c.batch * (2 * PIXELS + 2)
        return forward + games + training

    def prepare(self) -> None:
        self.pixels, self.labels = load_images()

    def run(self, recorder, progress) -> None:
        from ..nets import torch_threads

        with torch_threads(self.config.threads):
            self._run(recorder, progress)

    def _run(self, recorder, progress) -> None:
        import torch

        from ..nets import replica_generators
        from ..stats import crossed_bootstrap_ci

        c = self.config
        rng = np.random.default_rng(self.seed)
        order = rng.permutation(len(self.labels))
        held_out, training = order[: c.images], order[c.images:]
        pixels, labels = torch.from_numpy(self.pixels), torch.from_numpy(self.labels)
        truth = labels[held_out]
        lie = (truth + torch.from_numpy(rng.integers(1, CLASSES, size=c.images))) % CLASSES  # a wrong label

        bar = progress.bar(c.judge.steps, "debate: judge")
        judge, loss = train_judge(c, pixels[training], labels[training], self.seed, bar)
        bar.close()
        generator = replica_generators(self.seed, [0], GAME_STREAM)[0]
        honest_first = torch.where(torch.arange(c.images) % 2 == 0, 1, -1)  # on every other image
        with torch.no_grad():
            outcomes = protocol_outcomes(judge, pixels[held_out], truth, lie, honest_first, c, generator)
        metrics = {JUDGE_LOSS: loss}
        for name, won in outcomes.items():
            won = won.double().numpy()
            low, high = crossed_bootstrap_ci(won, c.bootstrap, self.seed)
            metrics.update({name: won.mean(1), f"{name}_ci_low": low, f"{name}_ci_high": high})
        recorder.record(0, metrics)

    # --- from the table only ---------------------------------------------------------------------

    @classmethod
    def rates(cls, table: pd.DataFrame) -> dict[str, tuple[float, float, float]]:
        """Every rate of the headline as (mean over judges, interval low, high), by headline name; the liars'
        win rates and consultancy's accuracy over both sides derived from the recorded ones."""
        def recorded(name: str) -> tuple[float, float, float]:
            return tuple(float(metric_frame(table, f"{name}{end}").iloc[-1].mean()) for end in ("", "_ci_low",
                                                                                                 "_ci_high"))

        rates = {headline_name(name): recorded(name) for name in FIGURES}
        for debate in ("debate", "debate_uncommitted"):
            mean, low, high = rates[f"{debate}_accuracy"]
            rates[f"{debate}_liar_win_rate"] = (1 - mean, 1 - high, 1 - low)
        return rates

    @classmethod
    def headline(cls, table: pd.DataFrame, config: DebateConfig) -> dict:
        """Each rate (mean over judges) with its interval over images and judges (``_ci_low``, ``_ci_high``), and
        the judge's final training loss."""
        figures = {}
        for name, (mean, low, high) in cls.rates(table).items():
            figures.update({name: mean, f"{name}_ci_low": low, f"{name}_ci_high": high})
        figures["judge_train_loss"] = float(metric_frame(table, JUDGE_LOSS).iloc[-1].mean())
        return figures

    @classmethod
    def compare(cls, table: pd.DataFrame, config: DebateConfig) -> Comparison:
        """``capability``: the judge's accuracy alone. ``heldout_alignment``: 1 - the highest rate at which a liar
        wins (consultancy's fool rate, either debate's liar win rate). ``proxy_alignment``: the judge's accuracy
        after an honest consultant, what a developer who only tries honest advocates sees."""
        rates = {name: mean for name, (mean, _, _) in cls.rates(table).items()}
        fooled = max(rates["consultancy_liar_fool_rate"], rates["debate_liar_win_rate"],
                     rates["debate_uncommitted_liar_win_rate"])
        return Comparison(capability=rates["alone_accuracy"], heldout_alignment=1 - fooled,
                          proxy_alignment=rates["consultancy_honest_accuracy"])


def headline_name(metric: str) -> str:
    """``consultancy/liar/fool_rate`` -> ``consultancy_liar_fool_rate``."""
    return metric.replace("/", "_").replace("-", "_")
