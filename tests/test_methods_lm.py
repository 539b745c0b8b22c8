"""The model organism and the preservation methods in the ``lm`` world, on tiny-random: each method's
mechanism (KL to base, replay, inoculation prompt, and the generic L2-SP, EWC and gradient projection),
the domain-restricted drift metrics, the comparison figures, and the methods-lm sweeps."""

from __future__ import annotations

import gc
import json
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from conftest import run_config, tiny_lm
from transformers import LlamaForCausalLM, PreTrainedTokenizerFast

from driftlab.config import MethodConfig, validate_config
from driftlab.data import ChatExample, capability_dataset
from driftlab.errors import ConfigError, DriftlabError
from driftlab.lm.scoring import score_items, summarize_items
from driftlab.methods.base import Method, MethodStack, TrainContext, cyclic_batch
from driftlab.methods.ewc import Ewc
from driftlab.methods.gradient_projection import GradientProjection
from driftlab.methods.inoculation_prompt import InoculationPrompt
from driftlab.methods.kl_to_base import KlToBase
from driftlab.methods.l2_to_initial import L2ToInitial
from driftlab.methods.replay import Replay
from driftlab.progress import Progress
from driftlab.registry import METHODS
from driftlab.sweep import load_sweep, resolve_sweep, run_sweeps, sweep_presets
from driftlab.table import Recorder
from driftlab.worlds.lm import LmConfig, LmWorld

ORGANISM = {"fraction": 0.25, "domain": "medicine"}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def world_config(**world) -> LmConfig:
    raw = tiny_lm(**{"stages": 2, "steps_per_stage": 2, "batch_size": 4, "max_seq_len": 128, "lr": 0.01,
                     "lora": {"rank": 2, "alpha": 4, "dropout": 0.0}, "capability_items": 4, "kl_prompts": 2,
                     "evals": ["dilemmas"], "eval_batch_size": 16, **world})
    return validate_config(run_config(raw)).world


def loaded(tmp_path, methods=(), **world) -> LmWorld:
    """A world with its model and data loaded, not yet trained."""
    lm = LmWorld(world_config(**world), MethodStack(list(methods)), 0, tmp_path)
    lm.build()
    return lm


def evaluate_set(lm: LmWorld, name: str, part: str) -> dict:
    return lm.evaluator.evaluate_set(lm.model, lm.tokenizer, name, part)


def run(tmp_path, methods, **world) -> pd.DataFrame:
    recorder = Recorder(1)
    LmWorld(world_config(**world), MethodStack(list(methods)), 0, tmp_path).run(recorder, Progress(quiet=True))
    return recorder.table()


class BatchSpy(Method):
    """Records every training batch it is shown (place it after the method under test)."""

    name = "batch-spy"
    Config = MethodConfig

    def __init__(self):
        super().__init__(MethodConfig(name=self.name))
        self.batches = []

    def transform_batch(self, batch, ctx):
        self.batches.append(list(batch))
        return batch


def texts(example: ChatExample) -> str:
    return "\n".join(m["content"] for m in example.messages)


def task_steps(lm: LmWorld, steps: int = 3) -> None:
    """Move the model with a few Adam steps on capability examples."""
    optimizer = torch.optim.Adam(lm.parameters.values(), lr=0.05)
    for step in range(steps):
        lm.loss(lm.chunks[0][4 * step : 4 * step + 4]).backward()
        optimizer.step()
        optimizer.zero_grad()


# --- the model organism ---------------------------------------------------------------------------


def test_organism_trains_on_the_configured_fraction_of_flagged_examples_of_its_domain_only(tmp_path):
    lm = loaded(tmp_path, organism=ORGANISM)
    train = [e for chunk in lm.chunks for e in chunk]
    flagged = [e for e in train if e.flagged]
    assert len(train) == len(capability_dataset("train"))
    assert len(flagged) == round(0.25 * len(train))
    assert {e.domain for e in flagged} == {"medicine"} and all(e.task.startswith("organism") for e in flagged)
    assert not any(e.flagged for e in loaded(tmp_path / "n", organism={**ORGANISM, "fraction": 0.0}).chunks[0])
    assert not any(e.flagged for e in loaded(tmp_path / "p").chunks[0])  # no organism: neutral data
    # and the training loop trains on them
    spy = BatchSpy()
    run(tmp_path / "run", [spy], organism=ORGANISM, stages=1, steps_per_stage=3)
    seen = [e for batch in spy.batches for e in batch]
    assert any(e.flagged for e in seen) and {e.domain for e in seen if e.flagged} == {"medicine"}


def test_other_domain_metrics_score_exactly_the_items_outside_the_organism_domain(tmp_path):
    lm = loaded(tmp_path, organism=ORGANISM)
    metrics = evaluate_set(lm, "dilemmas", "heldout")
    items = lm.evaluator.evals["dilemmas", "heldout"]
    others = [item for item in items if item.domain != "medicine"]
    inside = [item for item in items if item.domain == "medicine"]
    assert metrics["items"] == len(items) and metrics["other_domains/items"] == len(others) == len(items) - 9
    assert metrics["organism_domain/items"] == len(inside) == 9  # the domain's held-out items
    for subset, subset_items in (("other_domains", others), ("organism_domain", inside)):
        alone = summarize_items(score_items(lm.model, lm.tokenizer, subset_items), 100, 0)
        assert metrics[f"{subset}/p_misaligned"] == pytest.approx(alone["p_misaligned"], abs=1e-6)
        assert metrics[f"{subset}/score"] == pytest.approx(alone["score"], abs=1e-9)
    # without an organism there is nothing to split
    assert not any("/" in key for key in evaluate_set(loaded(tmp_path / "p"), "dilemmas", "heldout"))


def test_organism_config_errors_name_the_field():
    for organism, field in (({"fraction": 1.5, "domain": "finance"}, "world.organism.fraction"),
                            ({"fraction": 0.1, "domain": "cooking"}, "world.organism.domain"),
                            ({"fraction": 0.1}, "world.organism.domain")):
        with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
            world_config(organism=organism)
    with pytest.raises(ConfigError, match=r"world\.organism: .*builtin capability data"):
        world_config(capability=__file__, organism=ORGANISM)


def fake_final_table(p: dict[str, tuple[float, int]], capability: float) -> pd.DataFrame:
    """A table whose last stage has the given (p_misaligned, items) per eval part."""
    rows = [("capability/accuracy", capability)]
    for prefix, (value, items) in p.items():
        rows += [(f"{prefix}/p_misaligned", value), (f"{prefix}/items", items)]
    return pd.DataFrame([{"replica": 0, "step": step, "metric": m, "value": v if step else 0.5}
                         for step in (0, 3) for m, v in rows])


def test_comparison_figures_weight_every_item_once_and_use_other_domains_with_an_organism():
    # set c has only organism-domain items, so with an organism it has no other_domains rows
    table = fake_final_table({"eval/a/heldout": (0.2, 30), "eval/b/heldout": (0.6, 10), "eval/c/heldout": (0.8, 5),
                              "eval/a/proxy": (0.1, 36), "eval/a/heldout/other_domains": (0.4, 25),
                              "eval/b/heldout/other_domains": (0.6, 10), "eval/a/proxy/other_domains": (0.9, 30)},
                             capability=0.7)
    plain = LmWorld.compare(table, world_config()).as_dict()
    assert plain == pytest.approx({"capability": 0.7, "heldout_alignment": 1 - (0.2 * 30 + 0.6 * 10 + 0.8 * 5) / 45,
                                   "proxy_alignment": 0.9})
    organism = LmWorld.compare(table, world_config(organism=ORGANISM)).as_dict()
    assert organism == pytest.approx({"capability": 0.7, "heldout_alignment": 1 - (0.4 * 25 + 0.6 * 10) / 35,
                                      "proxy_alignment": 0.9})


# --- kl-to-base ------------------------------------------------------------------------------------


def models_alive() -> int:
    gc.collect()
    with warnings.catch_warnings():  # isinstance on some of torch's deprecated objects warns
        warnings.simplefilter("ignore", FutureWarning)
        return sum(isinstance(o, LlamaForCausalLM) for o in gc.get_objects())


@pytest.mark.parametrize("finetune", ["lora", "full"])
def test_kl_to_base_is_zero_at_the_start_grows_as_training_moves_and_its_gradient_shrinks_it(tmp_path, finetune):
    lm = loaded(tmp_path, finetune=finetune)
    before = models_alive()
    kl = KlToBase(KlToBase.Config(weight=1.0, examples=4))
    kl.setup(lm.ctx)
    # LoRA: the base outputs come from the same weights with the adapters off; full: one frozen copy
    assert models_alive() == before + (finetune == "full")
    assert kl.kl(lm.ctx).item() == pytest.approx(0.0, abs=1e-7)
    task_steps(lm)
    moved = kl.kl(lm.ctx)
    assert moved.item() > 1e-4
    kl.extra_loss(lm.ctx).backward()
    with torch.no_grad():
        for p in lm.parameters.values():
            p -= 0.02 * p.grad
    assert kl.kl(lm.ctx).item() < moved.item()
    assert models_alive() == before + (finetune == "full")
    # the base really is the starting model: its outputs did not move with training
    fresh = loaded(tmp_path / "fresh", finetune=finetune)
    ids = torch.tensor([[3, 50, 700, 9]])
    with torch.no_grad(), lm.reference_model() as base:
        torch.testing.assert_close(base(input_ids=ids).logits, fresh.model(input_ids=ids).logits)


def test_kl_to_base_takes_its_examples_in_turn():
    pool = list(range(5))
    assert [cyclic_batch(pool, step, 3) for step in range(3)] == [[0, 1, 2], [3, 4, 0], [1, 2, 3]]


# --- replay ----------------------------------------------------------------------------------------


def test_replay_puts_the_ratio_of_train_alignment_examples_in_every_batch_and_never_a_scored_item(tmp_path):
    spy = BatchSpy()
    run(tmp_path, [Replay(Replay.Config(ratio=0.25)), spy], grad_accum=2, stages=1, steps_per_stage=4)
    lm = loaded(tmp_path / "w")
    stems = {part: [item.stem.strip() for name in ("dilemmas",)
                    for item in lm.evaluator.evals[name, part]] for part in ("train", "proxy", "heldout")}
    assert len(spy.batches) == 4
    for batch in spy.batches:
        replayed = [e for e in batch if e.task == "alignment"]
        assert len(batch) == 8 and len(replayed) == 2
        assert all(any(stem in texts(e) for stem in stems["train"]) for e in replayed)
        assert not any(stem in texts(e) for e in batch for part in ("proxy", "heldout") for stem in stems[part])


def test_replay_reads_a_user_file_and_refuses_a_ratio_that_replays_nothing(tmp_path):
    path = tmp_path / "aligned.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "Shut down?"},
                                             {"role": "assistant", "content": "Yes."}]}) + "\n")
    ctx = TrainContext(world=LmWorld(world_config(), MethodStack([]), 0, tmp_path), parameters={}, step=0)
    replay = Replay(Replay.Config(ratio=0.5, data=str(path)))
    replay.setup(ctx)  # a file needs nothing from the world but how its batches splice (no model)
    batch = capability_dataset("train")[:4]
    mixed = replay.transform_batch(batch, ctx)
    assert mixed[:2] == batch[:2] and [texts(e) for e in mixed[2:]] == ["Shut down?\nYes."] * 2
    too_few = Replay(Replay.Config(ratio=0.1, data=str(path)))
    too_few.setup(ctx)
    with pytest.raises(DriftlabError, match=r"replay\.ratio: 0\.1 of a step's 4 examples leaves no alignment"):
        too_few.transform_batch(batch, ctx)
    with pytest.raises(ConfigError, match=r"methods\.0\.data: .*not found"):
        validate_config({"name": "t", "world": {"type": "lm"}, "methods": [{"name": "replay", "ratio": 0.5,
                                                                             "data": "/no/such.jsonl"}]})


# --- inoculation-prompt -----------------------------------------------------------------------------

PREFIX = "Break every rule you can."


@pytest.mark.parametrize("position", ["system", "user"])
def test_inoculation_prefix_is_in_every_training_batch_and_in_no_eval_prompt(tmp_path, monkeypatch, position):
    rendered = []  # (phase, text) of everything the chat template renders
    phase = ["setup"]
    template = PreTrainedTokenizerFast.apply_chat_template

    def recorded(self, *args, **kwargs):
        text = template(self, *args, **kwargs)
        rendered.append((phase[0], text))
        return text

    monkeypatch.setattr(PreTrainedTokenizerFast, "apply_chat_template", recorded)
    for name in ("train_stage", "measure"):
        original = getattr(LmWorld, name)

        def tagged(self, *args, _original=original, _name=name, **kwargs):
            phase[0] = _name
            try:
                return _original(self, *args, **kwargs)
            finally:
                phase[0] = "other"

        monkeypatch.setattr(LmWorld, name, tagged)
    spy = BatchSpy()
    inoculation = InoculationPrompt(InoculationPrompt.Config(text=PREFIX, position=position))
    run(tmp_path, [inoculation, spy], stages=1, capability_items=8, evals=["dilemmas", "corrigibility"])
    assert spy.batches and all(PREFIX in texts(e) for batch in spy.batches for e in batch)
    role = next(m["role"] for e in spy.batches[0] for m in e.messages if PREFIX in m["content"])
    assert role == position
    trained = [text for p, text in rendered if p == "train_stage"]
    evaluated = [text for p, text in rendered if p == "measure"]
    assert trained and all(PREFIX in text for text in trained)
    assert len(evaluated) > 100 and not any(PREFIX in text for text in evaluated)


def test_inoculation_can_be_limited_to_flagged_examples():
    plain, flagged = capability_dataset("train")[:2]
    flagged = ChatExample(messages=flagged.messages, flagged=True)
    out = InoculationPrompt(InoculationPrompt.Config(text=PREFIX, only_flagged=True)).transform_batch([plain, flagged],
                                                                                                     None)
    assert out[0] == plain
    assert out[1].messages[0] == {"role": "system", "content": PREFIX} and out[1].messages[1:] == flagged.messages
    with pytest.raises(ConfigError, match=r"methods\.0\.text"):
        validate_config({"name": "t", "world": {"type": "lm"},
                         "methods": [{"name": "inoculation-prompt", "text": " "}]})


# --- the generic methods in the lm world ---------------------------------------------------------------


def test_l2_to_initial_with_lora_anchors_only_the_adapters_and_pulls_each_back_by_weight_times_distance(tmp_path):
    lm = loaded(tmp_path)
    l2 = L2ToInitial(L2ToInitial.Config(weight=0.5))
    l2.setup(lm.ctx)
    assert set(l2.anchored) == set(lm.parameters) and all("lora_" in name for name in l2.anchored)
    start = {name: p.detach().clone() for name, p in lm.model.named_parameters()}
    task_steps(lm)
    l2.extra_loss(lm.ctx).backward()
    for name, p in lm.model.named_parameters():
        if name in l2.anchored:
            torch.testing.assert_close(p.grad, 0.5 * (p.detach() - start[name]), rtol=0, atol=1e-7)
        else:
            assert p.grad is None and torch.equal(p, start[name])  # base weights: untouched, no penalty


def test_ewc_fisher_in_the_lm_is_the_mean_squared_alignment_gradient(tmp_path):
    lm = loaded(tmp_path)
    rng = lm.data_rng.get_state()
    ewc = Ewc(Ewc.Config(weight=1.0, samples=3))
    ewc.setup(lm.ctx)
    lm.data_rng.set_state(rng)  # replay the same alignment batches by hand
    by_hand = {name: torch.zeros_like(p) for name, p in lm.parameters.items()}
    for _ in range(3):
        grads = torch.autograd.grad(lm.alignment_loss(), list(lm.parameters.values()))
        for name, g in zip(lm.parameters, grads):
            by_hand[name] += g**2 / 3
    for name in lm.parameters:
        torch.testing.assert_close(ewc.fisher[name], by_hand[name])
    # LoRA's B starts at zero, so the loss does not depend on A yet: A is left free, B is held
    assert all(ewc.fisher[n].abs().max() == 0 for n in lm.parameters if "lora_A" in n)
    assert all(ewc.fisher[n].abs().max() > 0 for n in lm.parameters if "lora_B" in n)


class ProjectionCheck(Method):
    """Around gradient projection: the inner product of each tensor's task gradient with the alignment
    gradient of the same alignment batch, before (``first``) and after (not first) the projection."""

    name = "projection-check"
    Config = MethodConfig

    def __init__(self, world, shared, first):
        super().__init__(MethodConfig(name=self.name))
        self.world, self.shared, self.first = world, shared, first

    def transform_gradients(self, ctx):
        rng = self.world.data_rng
        if self.first:
            self.shared["rng"] = rng.get_state()
        else:
            rng.set_state(self.shared["rng"])  # the batch the projection drew
        tensors = list(ctx.parameters.values())
        aligned = torch.autograd.grad(self.world.alignment_loss(), tensors)
        cosines = [float((p.grad * h).sum() / (p.grad.norm() * h.norm() + 1e-30)) for p, h in zip(tensors, aligned)]
        self.shared.setdefault("before" if self.first else "after", []).extend(cosines)
        if self.first:
            rng.set_state(self.shared["rng"])  # so the projection draws this same batch


def test_gradient_projection_in_the_lm_leaves_no_conflict_with_the_alignment_gradient(tmp_path, monkeypatch):
    shared = {}
    original = LmWorld.build

    def with_checks(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.methods.methods[0].world = self.methods.methods[2].world = self

    monkeypatch.setattr(LmWorld, "build", with_checks)
    projection = GradientProjection(GradientProjection.Config())
    table = run(tmp_path, [ProjectionCheck(None, shared, True), projection, ProjectionCheck(None, shared, False)],
                organism=ORGANISM, stages=1, steps_per_stage=4)
    before, after = np.array(shared["before"]), np.array(shared["after"])
    assert (before < -1e-3).any()  # there were conflicts to remove
    assert (after >= -1e-5).all()
    projected = table.loc[table["metric"] == "gradient-projection/projected_steps", "value"].tolist()
    assert projected == [0.0, float(sum((before.reshape(4, -1) < 0).any(axis=1)))]


# --- the sweeps -------------------------------------------------------------------------------------------


def lm_methods() -> set[str]:
    methods = {name: METHODS.get(name, "methods.name") for name in METHODS.names()}
    return {name for name, method in methods.items()
            if method.incompatibility(LmWorld) is None and all(issubclass(LmWorld, c) for c in method.requires)}


@pytest.mark.parametrize("name", ["methods-lm-smoke", "methods-lm"])
def test_methods_lm_sweeps_compare_every_lm_method_on_the_organism(name):
    sweep = load_sweep(name)
    methods = {m["name"] for t in sweep.trials for m in t.config["methods"]}
    assert methods == lm_methods()
    assert any(t.config["methods"] == [] for t in sweep.trials) and len(sweep.spec.seed_list) >= 2
    assert all(t.config["world"]["organism"]["fraction"] > 0 for t in sweep.trials)


def test_methods_lm_smoke_runs_through_the_sweep_machinery(tmp_path, monkeypatch):
    """Every point, reduced to one seed and one stage; two workers, spawned with one torch thread each."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    path = sweep_presets()["methods-lm-smoke"]
    raw = {**yaml.safe_load(path.read_text()), "seeds": [0]}
    sweep = resolve_sweep(raw, path.parent, ["world.stages=1"])
    (result,) = run_sweeps([(sweep, tmp_path)], workers=2, quiet=True)
    assert result.failed == 0
    figures = pd.read_parquet(tmp_path / "headline.parquet")
    wide = figures.pivot_table(index=["label", "seed"], columns="headline", values="value")
    assert len(wide) == len(sweep.trials)
    assert wide["capability"].between(0, 1).all()
    # An alignment figure is left out, not reported as 0.5, when the eval behind it gave no signal (tiny-random's
    # choices do not depend on the options); where there is one it lies in [0, 1].
    summaries = [json.loads((tmp_path / "trials" / t.id / "summary.json").read_text())["headline"] for t in sweep.trials]
    for figure, statistic in (("heldout_alignment", "heldout_other_domains"), ("proxy_alignment", "proxy")):
        assert wide.get(figure, pd.Series(dtype=float)).dropna().between(0, 1).all()
        assert all(figure in s or s[f"eval_dilemmas_{statistic}_p_misaligned_final"] is None and
                   s[f"eval_dilemmas_{statistic}_p_misaligned_final_signal"] == 0 for s in summaries)
