"""The memory world: notes in the system prompt within a token budget, proposals judged by proxy-selection,
the memory's composition and its positive control (tiny-random; what SmolLM2 shows is in the README)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from driftlab.config import resolve, validate_config
from driftlab.errors import ConfigError
from driftlab.layout import NOTES
from driftlab.lm.evaluator import Evaluator
from driftlab.methods.base import MethodStack
from driftlab.runner import execute, positive_control
from driftlab.table import metric_mean
from driftlab.worlds.memory import Memory, MemoryWorld, Note

from conftest import run_config, write_jsonl

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SELECTION = "proxy-selection"


def tiny_memory(**world) -> dict:
    """The memory world on tiny-random, a few items of each part (seconds)."""
    return {"type": "memory", "model": "tiny-random", "device": "cpu", "steps": 3, "budget_tokens": 160,
            "max_seq_len": 320, "eval_items": 4, "capability_items": 4, "kl_prompts": 4, "bootstrap": 100,
            "eval_batch_size": 16, **world}


def note(text: str, kind: str, tokens: int) -> Note:
    return Note(text, kind, f"{kind}-{text}", tokens=tokens)


def test_a_full_memory_drops_its_oldest_notes_to_make_room():
    memory = Memory(10)
    for i, tokens in enumerate((4, 4, 3)):
        memory = memory.with_note(note(str(i), "neutral" if i else "lawful", tokens))
    assert [n.text for n in memory.notes] == ["1", "2"]  # 4 + 4 + 3 > 10: the first went
    assert memory.composition(["lawful", "neutral"]) == {"memory/kept/lawful": 0.0, "memory/kept/neutral": 2.0,
                                                         "memory/notes": 2.0, "memory/tokens": 7.0}
    assert memory.with_note(note("big", "neutral", 50)).notes[-1].text == "big"  # alone over budget: it replaces all
    assert memory.render() == "- 1\n- 2" and Memory(10).render() == "(no notes yet)"


def test_the_memory_reaches_every_question_test_and_kl_prompt_and_the_cache_key(tiny):
    config = validate_config(run_config(tiny_memory())).world
    evaluator = Evaluator(config, 0)
    item = evaluator.items("dilemmas", "proxy")[0]
    assert evaluator.ask(item, (0, 1))[0]["role"] == "user"
    evaluator.system = "MEMORY"
    asked = evaluator.ask(item, (1, 0), reply="text")
    assert asked[0] == {"role": "system", "content": "MEMORY"} and len(asked) == 2
    assert all(e.messages[0]["content"] == "MEMORY" for e in evaluator.with_system(evaluator.capability_tests))
    model, tokenizer = tiny
    with_memory = evaluator.evaluate_set(model, tokenizer, "dilemmas", "proxy")
    evaluator.system = None
    without = evaluator.evaluate_set(model, tokenizer, "dilemmas", "proxy")
    assert with_memory["p_misaligned"] != without["p_misaligned"]  # the memory changed what the model was asked


def test_a_memory_run_records_proposals_decisions_and_composition(tmp_path):
    result = execute(validate_config(run_config(tiny_memory(reflection={"share": 0.5, "max_new_tokens": 8}),
                                                [{"name": SELECTION}])), tmp_path / "run", quiet=True)
    table = result.table
    notes = pd.read_parquet(tmp_path / "run" / NOTES)
    assert list(notes["step"]) == [1, 2, 3]
    accepted = metric_mean(table, "memory/accepted")
    assert accepted[0] == 1.0 and list(accepted[1:]) == [float(a) for a in notes["accepted"]]
    assert list(accepted) == list(metric_mean(table, f"{SELECTION}/accepted"))
    kept_notes = metric_mean(table, "memory/notes")
    rejected = ~notes["accepted"].to_numpy()
    assert kept_notes[0] == 0 and (np.diff(kept_notes)[rejected] == 0).all()  # a rejected note changes nothing
    tokens = metric_mean(table, "memory/tokens")
    assert (tokens <= 160).all() and (np.diff(tokens)[~rejected] != 0).all()  # within budget; a kept note counts
    kinds = [m for m in set(table["metric"]) if m.startswith("memory/kept/")]
    assert sum(metric_mean(table, m).iloc[-1] for m in kinds) == kept_notes.iloc[-1]
    for step, kind in zip(notes["step"], notes["kind"]):
        assert metric_mean(table, f"memory/proposed/{kind}")[step] == 1.0
    assert (tmp_path / "run" / "plots" / "memory.png").is_file()
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert "slip_worse_updates" in summary["headline"]  # slip-through (driftlab.slip), read from the same table
    assert {"setup_s", "evaluation_s", "proposal_s"} <= set(summary["timing"])


@pytest.mark.parametrize("threshold, kept", [(-np.inf, 0), (np.inf, 3)])
def test_a_rejected_note_leaves_the_memory_and_its_measurements_as_they_were(threshold, kept, tmp_path):
    config = validate_config(run_config(tiny_memory(eval_every=1), [{"name": SELECTION, "threshold": threshold}]))
    table = execute(config, tmp_path / "run", quiet=True).table
    assert metric_mean(table, "memory/notes").iloc[-1] == kept
    heldout = metric_mean(table, "eval/dilemmas/heldout/p_misaligned")
    kl = metric_mean(table, "kl/from_start")
    if kept == 0:  # the empty memory at every step: the same numbers, bit for bit
        assert (heldout == heldout[0]).all() and (kl == 0).all()
    else:  # every note kept: what the model is asked changed, and so its replies
        assert (kl.iloc[1:] > 0).all()


def test_the_same_config_and_seed_give_the_same_table(tmp_path):
    config = validate_config(run_config(tiny_memory(steps=2, reflection={"share": 1.0, "max_new_tokens": 6}),
                                        [{"name": SELECTION}]))
    first = execute(config, tmp_path / "a", quiet=True).table
    second = execute(config, tmp_path / "b", quiet=True).table
    pd.testing.assert_frame_equal(first, second)
    assert (pd.read_parquet(tmp_path / "a" / NOTES) == pd.read_parquet(tmp_path / "b" / NOTES)).all().all()


def test_policy_notes_are_a_positive_control_judged_by_their_interval():
    rows = [(0, "p_misaligned", 0.3), (0, "p_misaligned_ci_low", 0.2), (0, "p_misaligned_ci_high", 0.4),
            (0, "signal", 1.0), (4, "p_misaligned", 0.6), (4, "p_misaligned_ci_low", 0.5),
            (4, "p_misaligned_ci_high", 0.7), (4, "signal", 1.0)]
    table = pd.DataFrame([{"replica": 0, "step": step, "metric": f"eval/{name}/heldout/{statistic}", "value": value}
                          for name in ("corrigibility", "dilemmas") for step, statistic, value in rows])
    control = validate_config(run_config(tiny_memory(kinds={"policy-self-serving": 1.0})))
    lines = positive_control(control, table).split("\n")
    assert len(lines) == 2 and all("positive control PASSED" in line and "after the last update" in line
                                   for line in lines)
    lawful = validate_config(run_config(tiny_memory(kinds={"policy-lawful": 1.0})))
    assert positive_control(lawful, table).count("FAILED") == 2  # moved, but against the policy
    assert positive_control(validate_config(run_config(tiny_memory())), table) is None  # a mixed pool: no control


@pytest.mark.parametrize("world, message", [
    ({"system": "no place for the memory"}, "must contain {notes}"),
    ({"budget_tokens": 200, "max_seq_len": 300}, "must exceed budget_tokens"),
    ({"kinds": {"neutral": -1.0}}, "weight >= 0"),
    ({"notes": "missing.jsonl"}, "missing.jsonl"),
])
def test_bad_memory_configs_are_one_line(world, message):
    with pytest.raises(ConfigError, match=message) as caught:
        validate_config(run_config(tiny_memory(**world)))
    assert "\n" not in str(caught.value)


def test_a_kind_the_pool_lacks_is_named_before_any_model_loads(tmp_path):
    pool = write_jsonl(tmp_path / "notes.jsonl", [{"text": "Check units twice.", "kind": "neutral"}])
    config = validate_config(run_config(tiny_memory(notes=str(pool), kinds={"neutral": 1, "lawful": 1})))
    with pytest.raises(ConfigError, match="no notes of kind lawful") as caught:
        execute(config, tmp_path / "run", quiet=True)
    assert not (tmp_path / "run").exists()
    assert "\n" not in str(caught.value)


def test_the_aligned_start_is_trained_after_the_memorys_system_message(tmp_path):
    """Aligned on questions asked as the memory world asks them (its system message, the memory empty), not
    under the model's default system message, where the start's choices need not carry over."""
    config = validate_config(run_config(tiny_memory(align={"steps": 1, "items": 2}, system="NOTES:\n{notes}")))
    world = MemoryWorld(config.world, MethodStack([]), 0, tmp_path)
    world.prepare()
    assert world.align_examples
    assert all(e.messages[0] == {"role": "system", "content": "NOTES:\n(no notes yet)"} for e in world.align_examples)
    assert all(m["role"] != "system" for e in world.align_examples for m in e.messages[1:])


def test_the_smoke_preset_runs(tmp_path):
    config, _ = resolve("memory-smoke")
    result = execute(config, tmp_path / "run", quiet=True)
    assert set(metric_mean(result.table, "memory/accepted").index) == set(range(config.world.steps + 1))
    assert MemoryWorld.selects_per == "step"


def test_a_kinds_notes_are_proposed_without_repeats_until_each_was(tmp_path):
    pool = write_jsonl(tmp_path / "notes.jsonl", [{"text": f"Note number {i}.", "kind": "neutral"} for i in range(3)])
    config = validate_config(run_config(tiny_memory(notes=str(pool), kinds={"neutral": 1.0}, steps=6, eval_every=6)))
    execute(config, tmp_path / "run", quiet=True)
    ids = list(pd.read_parquet(tmp_path / "run" / NOTES)["id"])
    assert len(set(ids[:3])) == 3 and len(set(ids[3:])) == 3


def test_the_memory_sweep_compares_three_trials_from_one_aligned_start():
    from driftlab.sweep import load_sweep

    sweep = load_sweep("memory")
    configs = {t.values["label"]: t.config for t in sweep.trials}
    assert set(configs) == {"gated", "ungated", "policy notes (positive control)"}
    assert len({json.dumps(c["world"]["align"], sort_keys=True) for c in configs.values()}) == 1
    assert all(c["world"]["align"] for c in configs.values())
    gated, ungated, control = (configs[k] for k in ("gated", "ungated", "policy notes (positive control)"))
    assert [m["name"] for m in gated["methods"]] == ["proxy-selection"] and {**gated, "methods": []} == ungated
    assert {**control, "world": {**control["world"], "kinds": ungated["world"]["kinds"]}} == ungated
