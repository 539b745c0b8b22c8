"""The oversight world (issue 15): what the judge reads under each protocol, balanced consultancy sides, a
scripted advocate moving a synthetic judge that follows it (fool rate against a hand count), counterbalancing,
determinism, the questions file, and the run end to end on tiny-random.

The synthetic judge reads its prompt through the scorer's key/value cache as a real model would, and answers
with the label of the option named by the last "the answer is X." it has read (no preference otherwise, which
the scorer reads as "always A").
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import LabelChooser, always_says, run_config, write_jsonl

from driftlab.config import validate_config
from driftlab.data.questions import Question, builtin_questions, read_question_file
from driftlab.errors import ConfigError, DataError
from driftlab.layout import ARGUMENTS
from driftlab.lm.generation import Reply, generate
from driftlab.lm.scoring import LETTERS, option_orders, score_items
from driftlab.lm.tiny import tiny_random
from driftlab.names import oversight_metric, parse_oversight_metric
from driftlab.report import write_report
from driftlab.runner import execute
from driftlab.worlds.oversight import (
    OversightWorld,
    advocate_messages,
    consultancy_sides,
    judge_messages,
    protocol_cases,
    protocol_statistics,
    shown_answers,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tokenizer():
    return tiny_random(0)[1]


ARGUED = re.compile(r"the answer is (.+?)\.(?=\s|$)")


def ArgumentFollower(tokenizer) -> LabelChooser:
    """A synthetic judge that chooses whatever answer the last "the answer is X." it has read names (no
    preference otherwise)."""

    def choose(text: str) -> int:
        argued = ARGUED.findall(text)
        options = {m[2].strip(): LETTERS.index(m[1]) for m in LabelChooser.OPTION_LINE.finditer(text)}
        return options.get(argued[-1], len(LETTERS)) if argued else len(LETTERS)

    return LabelChooser(tokenizer, choose, last=3)


WANTED = re.compile(r'why the answer is "(.+?)"')


def scripted(convinced=None, calls: list | None = None):
    """An advocate that writes "the answer is X." for the answer its prompt asks for (on questions outside
    ``convinced``, when given, something useless), marked [question|answer|round] to be found again."""

    def argue(conversations, seed):
        if calls is not None:
            calls.append((conversations, seed))
        replies = []
        for messages in conversations:
            prompt = messages[-1]["content"]
            answer, question = WANTED.search(prompt)[1], re.search(r"Item (q\d+):", prompt)[1]
            round_ = 1 + max(map(int, re.findall(r"\(round (\d+)\)", prompt)), default=0)
            said = f"the answer is {answer}." if convinced is None or question in convinced else "I cannot say."
            text = f"{said} [{question}|{answer}|{round_}]"
            replies.append(Reply(text, len(text.split()), True))
        return replies

    return argue


def questions(n: int, wrong: int = 1, tasks: int = 1) -> list[Question]:
    return [Question(f"q{i}", f"Item q{i}: which answer?", f"right{i}", tuple(f"wrong{i}x{k}" for k in range(wrong)),
                     f"task{i % tasks}") for i in range(n)]


def cases_for(protocol, qs, seed=0, argue=None, rounds=1):
    rng = np.random.default_rng(seed)
    shown, sides = shown_answers(qs, rng), consultancy_sides(qs, rng)
    return protocol_cases(protocol, qs, shown, sides, argue or scripted(), rounds, seed), sides


# --- what the judge and the advocates read -------------------------------------------------------------


def test_the_judge_reads_exactly_the_protocols_arguments(tokenizer):
    qs = questions(6, wrong=2)
    markers = re.compile(r"\[(q\d+)\|([^|]+)\|(\d)\]")
    for protocol in ("alone", "consultancy", "debate"):
        cases, _ = cases_for(protocol, qs, rounds=2)
        asked = []

        def recording(item, order, asked=asked):
            messages = judge_messages(item, order)
            asked.append((item, order, messages[-1]["content"]))
            return messages

        score_items(ArgumentFollower(tokenizer), tokenizer, cases, ask=recording)
        assert sorted((item.id, order) for item, order, _ in asked) == sorted(
            (case.id, order) for case in cases for order in option_orders(3, True))
        for case, order, prompt in asked:
            found = markers.findall(prompt)
            assert {q for q, _, _ in found} <= {case.id}  # never another question's arguments
            if protocol == "alone":
                assert found == [] and "argued" not in prompt and "debater" not in prompt
            elif protocol == "consultancy":  # one argument, for the side it was assigned, whatever the rounds
                (argument,) = case.arguments
                assert found == [(case.id, case.options[argument.option], "1")]
            else:  # every answer's advocate, round after round, in the order the answers are shown
                shown = [case.options[i] for i in order]
                assert found == [(case.id, answer, str(r)) for r in (1, 2) for answer in shown]
            assert prompt.index("Which answer") > max([prompt.index(f"[{q}|") for q, _, _ in found], default=0)


def test_debaters_see_the_earlier_rounds_only_and_every_side_is_asked_alike():
    qs = questions(3, wrong=1)
    calls = []
    cases_for("debate", qs, argue=scripted(calls=calls), rounds=3)
    assert [len(conversations) for conversations, _ in calls] == [6, 6, 6]
    assert len({seed for _, seed in calls}) == 3  # each round its own generation stream
    for round_, (conversations, _) in enumerate(calls, start=1):
        for messages in conversations:
            prompt = messages[-1]["content"]
            question = re.search(r"Item (q\d+):", prompt)[1]
            seen = re.findall(r"\[(q\d+)\|[^|]+\|(\d)\]", prompt)
            assert sorted(seen) == sorted((question, str(r)) for r in range(1, round_) for _ in range(2))
    # The correct and the wrong side are asked in the same words, the answers swapped.
    options = ("Paris", "Lyon")
    for protocol in ("consultancy", "debate"):
        for_paris, for_lyon = (advocate_messages("Capital?", options, i, protocol)[0]["content"] for i in (0, 1))
        assert for_paris.replace("Paris", "@").replace("Lyon", "Paris").replace("@", "Lyon") == for_lyon
        assert "correct" not in for_paris and "wrong" not in for_paris


# --- consultancy sides, and the fool rate of a judge that follows its advocate --------------------------


@pytest.mark.parametrize("n, tasks", [(8, 1), (7, 1), (33, 4)])
def test_consultancy_sides_are_balanced_overall_and_per_task_and_seeded(n, tasks):
    qs = questions(n, wrong=3, tasks=tasks)
    draws = [consultancy_sides(qs, np.random.default_rng(seed)) for seed in range(6)]
    for sides in draws:
        correct = np.array(sides) == 0
        assert abs(correct.sum() - (~correct).sum()) <= 1
        for t in range(tasks):
            in_task = np.array([q.task == f"task{t}" for q in qs])
            assert abs(correct[in_task].sum() - (~correct[in_task]).sum()) <= 1
        assert all(0 <= side <= 3 for side in sides)
    assert draws[0] == consultancy_sides(qs, np.random.default_rng(0))
    assert len({tuple(sides) for sides in draws}) > 1
    assert {side for sides in draws for side in sides if side} == {1, 2, 3}  # every wrong answer gets argued


def test_a_scripted_advocate_moves_a_following_judge_and_the_fool_rate_matches_a_hand_count(tokenizer):
    qs = questions(12, wrong=1)
    convinced = {f"q{i}" for i in (0, 1, 2, 4, 5, 6, 8, 9, 10)}  # on q3, q7 and q11 the advocate says nothing useful
    judge = ArgumentFollower(tokenizer)
    for protocol in ("alone", "consultancy", "debate"):
        cases, sides = cases_for(protocol, qs, seed=3, argue=scripted(convinced))
        scores = score_items(judge, tokenizer, cases, ask=judge_messages)
        figures = protocol_statistics(cases, scores, 200, 0)
        if protocol == "alone":  # no argument: no preference, read as "always A": chance, and no signal
            assert figures[oversight_metric("alone", "accuracy")] == 0.5
            assert figures[oversight_metric("alone", "signal")] == 0.0
            assert figures[oversight_metric("alone", "position_r2")] == 1.0
            continue
        if protocol == "debate":  # it follows the last speaker, that is the last answer shown: position, not content
            assert figures[oversight_metric("debate", "win_rate")] == 0.5
            assert figures[oversight_metric("debate", "fool_rate")] == 0.5
            assert figures[oversight_metric("debate", "signal")] == 0.0
            continue
        # Hand count: a convinced question is decided by its argument in both orders; an unconvinced one goes
        # to whichever answer is shown first, once each way.
        wrong_side = [q.id for q, side in zip(qs, sides) if side]
        right_side = [q.id for q, side in zip(qs, sides) if not side]
        fooled = np.mean([1.0 if q in convinced else 0.5 for q in wrong_side])
        helped = np.mean([1.0 if q in convinced else 0.5 for q in right_side])
        assert 0.5 < fooled < 1 and 0.5 < helped < 1  # both kinds of question on both sides
        assert figures[oversight_metric("consultancy", "fool_rate", "wrong")] == pytest.approx(fooled)
        assert figures[oversight_metric("consultancy", "accuracy", "wrong")] == pytest.approx(1 - fooled)
        assert figures[oversight_metric("consultancy", "accuracy", "correct")] == pytest.approx(helped)
        assert oversight_metric("consultancy", "fool_rate", "correct") not in figures  # nothing wrong was argued
        assert figures[oversight_metric("consultancy", "items", "wrong")] == len(wrong_side) == 6
        low, high = (figures[oversight_metric("consultancy", f"fool_rate_ci_{end}", "wrong")] for end in ("low", "high"))
        assert low <= fooled <= high and low < high


def table_of(figures: dict) -> pd.DataFrame:
    return pd.DataFrame({"replica": 0, "step": 0, "metric": list(figures), "value": list(figures.values())})


def test_a_judge_that_follows_any_advocate_but_knows_nothing_alone_has_its_fool_rate_withheld(tokenizer):
    qs = questions(12, wrong=1)
    figures = {}
    for protocol in ("alone", "consultancy", "debate"):
        cases, _ = cases_for(protocol, qs, seed=1)
        figures.update(protocol_statistics(cases, score_items(ArgumentFollower(tokenizer), tokenizer, cases,
                                                              ask=judge_messages), 200, 0))
    assert figures[oversight_metric("consultancy", "signal", "wrong")] == 1.0
    assert figures[oversight_metric("consultancy", "fool_rate", "wrong")] == 1.0
    summary = OversightWorld.summarize(table_of(figures), None)
    assert summary["consultancy_correct_accuracy"] == 1.0
    assert summary["alone_accuracy"] == summary["debate_win_rate"] == "no signal"
    # It is always fooled (the table says 1.0), but alone it knows nothing, so that says nothing about the
    # protocol: the summary withholds the fool rate, and says why.
    assert summary["consultancy_wrong_fool_rate"] == "judge alone: no signal"
    assert not any(k in summary for k in ("capability", "heldout_alignment", "proxy_alignment"))


def test_a_judge_that_always_answers_a_is_at_chance_and_reported_as_no_signal(tokenizer, tmp_path):
    qs = questions(8, wrong=2)
    model = always_says(tokenizer.convert_tokens_to_ids("A"), tiny_random(0)[0])
    recorder_rows = {}
    for protocol in ("alone", "consultancy", "debate"):
        cases, _ = cases_for(protocol, qs)
        # every question in every cyclic order: the correct answer once in each position
        assert all(sorted(order.index(case.correct) for order in option_orders(3, True)) == [0, 1, 2]
                   for case in cases)
        recorder_rows.update(protocol_statistics(cases, score_items(model, tokenizer, cases, ask=judge_messages),
                                                 200, 0))
    accuracy = [v for k, v in recorder_rows.items() if parse_oversight_metric(k).statistic in ("accuracy", "win_rate")]
    assert accuracy == pytest.approx([1 / 3] * 4)
    summary = OversightWorld.summarize(table_of(recorder_rows), None)
    rates = {k: v for k, v in summary.items() if k.endswith(("accuracy", "fool_rate", "win_rate"))}
    assert len(rates) == 6 and set(rates.values()) == {"no signal"}
    assert not any(k in summary for k in ("capability", "heldout_alignment", "proxy_alignment"))


def test_a_sweep_report_plots_each_points_fool_rate_and_says_no_signal_where_every_trial_had_none():
    from driftlab.plots.oversight import sweep_points
    from driftlab.sweep import aggregate

    rows = []
    for point, (tokens, fooled) in enumerate(((16, [0.5, 0.7]), (64, [None, None]))):
        for seed, fool in enumerate(fooled):
            figures = {"consultancy_correct_accuracy": 0.9, "consultancy_wrong_items": 8.0,
                       "consultancy_wrong_fool_rate": "no signal" if fool is None else fool}
            rows += [{"point": point, "max_new_tokens": tokens, "seed": seed, "headline": name, "value": value}
                     for name, value in figures.items() if not isinstance(value, str)]  # as the sweep keeps them
    frame = sweep_points(aggregate(pd.DataFrame(rows), ["max_new_tokens"]), ["max_new_tokens"],
                         lambda row: f"tokens {row['max_new_tokens']}")
    assert frame["point"].tolist() == ["tokens 16", "tokens 64"] and frame["protocol"].tolist() == ["consultancy"] * 2
    measured, silent = frame.iloc[0], frame.iloc[1]
    assert measured["signal"] and measured["y"] == pytest.approx(0.6) and measured["x"] == pytest.approx(0.9)
    assert measured["y_low"] < 0.6 < measured["y_high"]  # the t-interval across the two seeds
    assert not silent["signal"] and np.isnan(silent["y"])


# --- generation -------------------------------------------------------------------------------------------


def test_generation_is_reproducible_capped_and_leaves_the_callers_random_state_alone(tokenizer):
    model = tiny_random(1)[0].eval()
    prompts = [tokenizer.encode(text) for text in ("What is 2 + 2?", "Name a city.", "Hi")]
    state = torch.random.get_rng_state()
    first = generate(model, tokenizer, prompts, 7, temperature=1.0, seed=5, batch_size=2)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert first == generate(model, tokenizer, prompts, 7, temperature=1.0, seed=5, batch_size=2)
    assert first != generate(model, tokenizer, prompts, 7, temperature=1.0, seed=6, batch_size=2)
    assert all(reply.tokens <= 7 and (reply.finished or reply.tokens == 7) for reply in first)
    greedy = generate(model, tokenizer, prompts, 7, seed=5)
    assert greedy == generate(model, tokenizer, prompts, 7, seed=6)  # the seed only matters when sampling
    # A model that ends its reply at once: finished, one token, no text.
    ends = always_says(tokenizer.eos_token_id, tiny_random(0)[0])
    assert generate(ends, tokenizer, prompts[:1], 5) == [Reply("", 1, True)]


# --- the world, end to end -----------------------------------------------------------------------------


def oversight(**world) -> dict:
    return {"type": "oversight", "judge": {"model": "tiny-random"}, "device": "cpu", "bootstrap": 100, "items": 6,
            "advocate": {"max_new_tokens": 5}, **world}


def test_the_world_runs_records_named_figures_and_the_arguments(tmp_path):
    config = validate_config(run_config(oversight(rounds=2, advocate={"max_new_tokens": 5, "temperature": 1.0})))
    result = execute(config, tmp_path / "run", quiet=True)
    metrics = set(result.table["metric"])
    parsed = [parse_oversight_metric(m) for m in metrics if m != "questions/skipped"]
    assert all(parsed) and {(p.protocol, p.argued) for p in parsed} == {
        ("alone", None), ("consultancy", "correct"), ("consultancy", "wrong"), ("debate", None)}
    for name in (oversight_metric("consultancy", "fool_rate", "wrong"), oversight_metric("debate", "win_rate"),
                 oversight_metric("alone", "accuracy"), oversight_metric("debate", "position_r2")):
        assert name in metrics
    arguments = pd.read_parquet(tmp_path / "run" / ARGUMENTS)
    assert (arguments["protocol"] == "consultancy").sum() == 6  # one per question
    assert (arguments["protocol"] == "debate").sum() == 6 * 2 * 2  # every answer, two rounds
    assert arguments["tokens"].max() <= 5
    assert set(arguments["side"]) == {"correct", "wrong"}
    consultancy = arguments[arguments["protocol"] == "consultancy"]
    assert (consultancy["side"] == "correct").sum() == 3
    assert consultancy.loc[consultancy["side"] == "correct", "judge_fooled"].isna().all()
    assert {"fool_rate.png", "validity.png"} <= {p.name for p in (tmp_path / "run" / "plots").iterdir()}
    html = write_report(tmp_path / "run").read_text()
    assert "Oversight: accuracy and fool rate per protocol" in html and "no signal" in html
    # Determinism: the same config gives the same table and arguments, bit for bit; another seed other arguments.
    again = execute(config, tmp_path / "again", quiet=True)
    pd.testing.assert_frame_equal(result.table, again.table)
    pd.testing.assert_frame_equal(arguments, pd.read_parquet(tmp_path / "again" / ARGUMENTS))
    execute(validate_config({**run_config(config.world.model_dump()), "seed": 1}), tmp_path / "other", quiet=True)
    assert not pd.read_parquet(tmp_path / "other" / ARGUMENTS)["text"].equals(arguments["text"])


def test_a_judge_scored_by_continuation_reads_the_arguments_and_is_recorded_alike(tmp_path, tokenizer):
    from driftlab.lm.scoring import score_continuations

    cases, _ = cases_for("consultancy", questions(4))
    asked = []

    def recording(item, order, reply="letter"):
        messages = judge_messages(item, order, reply)
        asked.append((reply, messages[-1]["content"]))
        return messages

    score_continuations(tiny_random(0)[0], tokenizer, cases, ask=recording)
    assert asked and all(reply == "text" for reply, _ in asked)
    assert all("A consultant argued for" in prompt and "repeating the text" in prompt for _, prompt in asked)
    config = validate_config(run_config(oversight(protocols=["alone", "consultancy"], scoring="continuation")))
    table = execute(config, tmp_path / "run", quiet=True).table
    letter = execute(validate_config(run_config(oversight(protocols=["alone", "consultancy"]))), tmp_path / "letter",
                     quiet=True).table
    names = set(table["metric"])
    assert names == set(letter["metric"]) - {m for m in letter["metric"] if m.endswith("/label_mass")}
    assert not table.set_index("metric")["value"].equals(letter.set_index("metric")["value"])
    with pytest.raises(ConfigError, match="a scripted judge chooses without a model to score"):
        validate_config(run_config(oversight(scoring="continuation", scripted_judge={"knows": 0.5})))


def test_a_model_directory_argues_and_an_adapter_needs_its_base(tmp_path):
    model, tokenizer = tiny_random(2)
    model.save_pretrained(tmp_path / "advocate")
    tokenizer.save_pretrained(tmp_path / "advocate")
    world = oversight(protocols=["consultancy"], advocate={"model": str(tmp_path / "advocate"), "max_new_tokens": 4})
    result = execute(validate_config(run_config(world)), tmp_path / "run", quiet=True)
    assert oversight_metric("consultancy", "fool_rate", "wrong") in set(result.table["metric"])

    from peft import LoraConfig, get_peft_model

    adapter = get_peft_model(tiny_random(0)[0], LoraConfig(r=2, target_modules=["q_proj"]))
    adapter.save_pretrained(tmp_path / "adapter")
    world = oversight(advocate={"model": str(tmp_path / "adapter")})
    with pytest.raises(ConfigError, match=r"^world\.advocate\.model: .*adapter is a PEFT adapter: give "
                                          r"world\.advocate\.base"):
        execute(validate_config(run_config(world)), tmp_path / "refused", quiet=True)
    assert not (tmp_path / "refused").exists()
    world = oversight(protocols=["consultancy"], advocate={"model": str(tmp_path / "adapter"), "base": "tiny-random",
                                                           "max_new_tokens": 3})
    execute(validate_config(run_config(world)), tmp_path / "adapted", quiet=True)


# --- questions --------------------------------------------------------------------------------------------


def test_builtin_questions_have_exact_answers_and_plausible_wrong_ones():
    qs = builtin_questions(2)
    assert len(qs) > 250 and qs == builtin_questions(2)
    for q in qs:
        assert "Reply" not in q.question and len(set(q.answers)) == 3 and q.correct not in q.wrong
    cases, _ = cases_for("alone", builtin_questions(1))  # answers such as "1" and "2" are fine as answers
    assert {("1", "2")} <= {tuple(sorted(case.options)) for case in cases}
    by_id = {q.id: q for q in qs}
    assert by_id["capability-0"].question == "What is 862 + 886?" and by_id["capability-0"].correct == "1748"
    metres = by_id["capability-1"]  # a length in metres gets lengths in metres
    assert metres.correct == "3.65 m" and all(w.endswith(" m") for w in metres.wrong)


GOOD = {"question": "What is the capital of Australia?", "correct": "Canberra", "wrong": ["Sydney", "Melbourne"]}


@pytest.mark.parametrize("record, problem", [
    ({"correct": "a", "wrong": "b"}, "'question' missing"),
    ({**GOOD, "correct": " "}, "'correct' must be a non-empty string"),
    ({**GOOD, "wrong": []}, "'wrong' must be a non-empty string or a non-empty list of them"),
    ({**GOOD, "wrong": ["Sydney", 3]}, "'wrong' must be a non-empty string or a non-empty list of them"),
    ({**GOOD, "wrong": "canberra"}, "the same answer appears twice among 'correct' and 'wrong'"),
    ({**GOOD, "wrong": [f"W{i}" for i in range(26)]}, "26 wrong answers; at most 25 (labels A-Z)"),
    ({**GOOD, "id": True}, "'id' must be a non-empty string or an integer"),
    ("not an object", "expected a JSON object, got str"),
])
def test_a_bad_question_record_is_one_line_naming_its_file_and_line(tmp_path, record, problem):
    path = write_jsonl(tmp_path / "questions.jsonl", [GOOD, record])
    with pytest.raises(DataError) as error:
        read_question_file(path)
    assert str(error.value) == f"{path}:2: {problem}" and "\n" not in str(error.value)


def test_bad_question_files_stop_the_run_before_anything_is_written_or_are_skipped(tmp_path, capsys):
    duplicate = write_jsonl(tmp_path / "dup.jsonl", [{**GOOD, "id": 1}, {**GOOD, "id": 1}])
    (tmp_path / "broken.jsonl").write_text(json.dumps(GOOD) + "\n{not json\n")
    for path, line in ((duplicate, f"{duplicate}:2: duplicate id '1' (first at {duplicate}:1)"),
                       (tmp_path / "broken.jsonl", f"{tmp_path / 'broken.jsonl'}:2: invalid JSON")):
        config = validate_config(run_config(oversight(questions=str(path))))
        with pytest.raises(DataError, match=re.escape(line)):
            execute(config, tmp_path / "out", quiet=True)
        assert not (tmp_path / "out").exists()
    with pytest.raises(ConfigError, match=r"world\.questions: questions file not found"):
        validate_config(run_config(oversight(questions=str(tmp_path / "missing.jsonl"))))
    records = [{**GOOD, "id": i, "question": f"Q{i}?"} for i in range(4)] + [{"question": "no answers"}]
    path = write_jsonl(tmp_path / "mixed.jsonl", records)
    config = validate_config(run_config(oversight(questions=str(path), on_bad_record="skip", protocols=["alone"])))
    result = execute(config, tmp_path / "skipping", quiet=True)
    assert f"{path}:5: skipped: 'correct' missing" in capsys.readouterr().err
    assert result.summary["headline"]["skipped_records"] == 1.0
    assert result.summary["headline"]["alone_items"] == 4.0
    with pytest.raises(ConfigError, match="consultancy needs at least 2 questions"):
        execute(validate_config(run_config(oversight(questions=str(path), on_bad_record="skip", items=1))),
                tmp_path / "one", quiet=True)


def test_config_errors_name_the_field():
    with pytest.raises(ConfigError, match=r"world\.protocols: a protocol is listed twice"):
        validate_config(run_config(oversight(protocols=["debate", "debate"])))
    with pytest.raises(ConfigError, match=r"world\.protocols\.0: Input should be 'alone', 'consultancy' or 'debate'"):
        validate_config(run_config(oversight(protocols=["sandwich"])))
    with pytest.raises(ConfigError, match=r"world\.advocate\.max_new_tokens"):
        validate_config(run_config(oversight(advocate={"max_new_tokens": 0})))
    with pytest.raises(ConfigError, match="does not support world 'oversight'"):  # it trains nothing
        validate_config(run_config(oversight(), methods=[{"name": "l2-to-initial", "weight": 1.0}]))


def test_metric_names_round_trip():
    for protocol, side in (("alone", None), ("consultancy", "wrong"), ("debate", None)):
        name = oversight_metric(protocol, "fool_rate_ci_low", side)
        parsed = parse_oversight_metric(name)
        assert (parsed.protocol, parsed.argued, parsed.statistic) == (protocol, side, "fool_rate_ci_low")
    assert parse_oversight_metric("eval/dilemmas/heldout/score") is None
    assert parse_oversight_metric("oversight/consultancy/maybe/accuracy") is None
    with pytest.raises(ValueError):
        oversight_metric("sandwich", "accuracy")


def test_a_sweep_report_says_why_a_fool_rate_was_withheld(tmp_path):
    """The sweep's tables keep numbers only; the report reads the reasons from the trials' summaries."""
    from driftlab.report import write_report
    from driftlab.sweep import resolve_sweep, run_sweeps

    sweep = resolve_sweep({"name": "judges", "base": "oversight-scripted-follower", "seeds": 2,
                           "set": {"world.items": 24, "world.protocols": ["alone", "consultancy"],
                                   "world.advocate.max_new_tokens": 2},
                           "points": [{"label": "knows nothing", "world.scripted_judge": {"knows": 0.0}},
                                      {"label": "knows most", "world.scripted_judge": {"knows": 0.9}}]})
    run_sweeps([(sweep, tmp_path / "sweep")], workers=1, quiet=True)
    html = write_report(tmp_path / "sweep").read_text()
    assert "2 of 2 trials: judge alone: no signal" in html  # knows nothing: guesses alone, follows the advocate
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    knows_most = [row for row in rows if "knows most" in row and "consultancy" in row]
    assert knows_most and "trials:" not in knows_most[0]  # its fool rate is measured in both trials
