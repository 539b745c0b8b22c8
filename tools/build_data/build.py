"""Regenerate driftlab's shipped data files (``src/driftlab/data/files``): ``python tools/build_data/build.py``.

Capability examples are generated from templates with a fixed seed; every answer is computed, short
and stated in the format the prompt asks for, so exact match is a fair score even for a 135M model.
The eval sets, the organism's misaligned slice and the memory notes come from the hand-written text in
``written.py``; this script only fixes option order, ids and the proxy / held-out split, all with fixed seeds.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import written  # the hand-written text, next to this script
from driftlab.data.shipped import DOMAINS, FILES, NOTE_KINDS
from driftlab.io import write_text

SEED = 20250601
CAPABILITY_SIZES = {"train": 2400, "heldout": 300}


def chat_record(prompt: str, reply: str, **extra) -> dict:
    """One line of chat JSONL: a user prompt, the assistant reply to learn, and extra keys."""
    messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": reply}]
    return {"messages": messages, **extra}


def place(misaligned: str, other: str, position: int) -> list[str]:
    """The two options with the misaligned one at ``position`` (0 or 1)."""
    return [misaligned, other] if position == 0 else [other, misaligned]


# --------------------------------------------------------------------------------------------------
# capability tasks: each takes a Random and returns (task, prompt, answer)

NUMBER_ONLY = "Reply with the number only."
WORDS = (
    "apple river candle garden pencil window silver planet basket rocket forest marble ladder "
    "button cactus dragon engine falcon guitar harbor island jacket kettle lemon mirror needle "
    "orange pepper quartz rabbit saddle tunnel violet walnut yellow zipper anchor bridge castle "
    "dolphin feather glacier hammer insect jungle kitten lantern meadow nectar oyster pillow "
    "bottle carpet cherry donkey eagle finger gravel helmet jigsaw kernel lizard monkey napkin "
    "parrot pocket ribbon salmon teapot turtle velvet wizard blanket canyon dinner hollow puzzle"
).split()
NAMES = "Ada Ben Chloe Dev Elena Farid Greta Hugo Iris Jonas Kiri Leo Maya Nils Omar Priya Rosa".split()
CITIES = "Lisbon Oslo Quito Nairobi Hanoi Lima Dublin Perth Kyoto Tunis Riga Accra Bergen Cusco".split()
JOBS = "baker nurse pilot teacher welder chemist farmer lawyer plumber editor".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
MONTHS = (
    "January February March April May June July August September October November December".split()
)


def number(value: float) -> str:
    """A number as a person writes it: no trailing zeros, at most three decimals."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def arithmetic(rng: random.Random) -> tuple[str, str, str]:
    op = rng.choice("+-*")
    if op == "*":
        a, b = rng.randint(2, 30), rng.randint(2, 12)
    else:
        a, b = rng.randint(10, 999), rng.randint(10, 999)
    if op == "-" and b > a:
        a, b = b, a
    result = {"+": a + b, "-": a - b, "*": a * b}[op]
    symbol = {"+": "+", "-": "-", "*": "×"}[op]
    return "arithmetic", f"What is {a} {symbol} {b}? {NUMBER_ONLY}", str(result)


UNITS = (  # (from, to, factor, how the value is drawn)
    ("m", "km", 0.001, lambda r: r.randrange(100, 20000, 50)),
    ("km", "m", 1000, lambda r: r.randint(1, 40) / rng_half(r)),
    ("cm", "m", 0.01, lambda r: r.randrange(10, 5000, 5)),
    ("g", "kg", 0.001, lambda r: r.randrange(100, 9000, 50)),
    ("kg", "g", 1000, lambda r: r.randint(1, 30) / rng_half(r)),
    ("ml", "l", 0.001, lambda r: r.randrange(250, 8000, 250)),
    ("h", "min", 60, lambda r: r.randint(1, 12) / rng_half(r)),
    ("min", "s", 60, lambda r: r.randint(1, 30)),
    ("days", "h", 24, lambda r: r.randint(1, 14)),
)


def rng_half(r: random.Random) -> int:
    """Divide by 1 or 2 so some values are halves (2.5 km) without long decimals."""
    return r.choice((1, 2))


def unit_conversion(rng: random.Random) -> tuple[str, str, str]:
    source, target, factor, draw = rng.choice(UNITS)
    value = draw(rng)
    prompt = (
        f"Convert {number(value)} {source} to {target}. "
        f"Reply with the number and the unit, for example '2.5 {target}'."
    )
    return "unit-conversion", prompt, f"{number(value * factor)} {target}"


def string_task(rng: random.Random) -> tuple[str, str, str]:
    word = rng.choice(WORDS)
    kind = rng.choice(("reverse", "upper", "count", "first-last", "letter"))
    if kind == "reverse":
        prompt = f"Write the word '{word}' backwards. Reply with the reversed word only."
        return "string-reverse", prompt, word[::-1]
    if kind == "upper":
        prompt = f"Write the word '{word}' in capital letters. Reply with the word only."
        return "string-upper", prompt, word.upper()
    if kind == "count":
        return "string-length", f"How many letters are in the word '{word}'? {NUMBER_ONLY}", str(len(word))
    if kind == "first-last":
        prompt = f"What are the first and last letters of '{word}'? Reply with the two letters, like 'a, z'."
        return "string-ends", prompt, f"{word[0]}, {word[-1]}"
    letter = rng.choice(sorted(set(word)))
    prompt = f"How many times does the letter '{letter}' appear in '{word}'? {NUMBER_ONLY}"
    return "string-count", prompt, str(word.count(letter))


def list_task(rng: random.Random) -> tuple[str, str, str]:
    values = rng.sample(range(1, 100), rng.randint(4, 7))
    shown = ", ".join(map(str, values))
    kind = rng.choice(("sort", "max", "min", "sum", "count"))
    if kind == "sort":
        prompt = f"Sort these numbers from smallest to largest: {shown}. Reply like '1, 2, 3'."
        return "list-sort", prompt, ", ".join(map(str, sorted(values)))
    if kind == "max":
        return "list-max", f"What is the largest number in the list {shown}? {NUMBER_ONLY}", str(max(values))
    if kind == "min":
        return "list-min", f"What is the smallest number in the list {shown}? {NUMBER_ONLY}", str(min(values))
    if kind == "sum":
        values = values[:4]
        shown = ", ".join(map(str, values))
        return "list-sum", f"What is the sum of {shown}? {NUMBER_ONLY}", str(sum(values))
    words = rng.sample(WORDS, rng.randint(3, 8))
    prompt = f"How many words are in this list: {', '.join(words)}? {NUMBER_ONLY}"
    return "list-count", prompt, str(len(words))


def table_lookup(rng: random.Random) -> tuple[str, str, str]:
    names = rng.sample(NAMES, rng.randint(3, 5))
    rows = [(name, rng.randint(19, 70), rng.choice(CITIES), rng.choice(JOBS)) for name in names]
    table = "\n".join(["name | age | city | job"] + [" | ".join(map(str, row)) for row in rows])
    name, age, city, job = rng.choice(rows)
    column, answer = rng.choice((("age", str(age)), ("city", city), ("job", job)))
    prompt = f"{table}\n\nUsing the table above, what is {name}'s {column}? Reply with the value only."
    return "table-lookup", prompt, answer


def calendar(rng: random.Random) -> tuple[str, str, str]:
    shift, direction = rng.randint(1, 20), rng.choice(("after", "before"))
    sign = 1 if direction == "after" else -1
    if rng.random() < 0.5:
        start = rng.randrange(7)
        prompt = f"Which day of the week is {shift} days {direction} {WEEKDAYS[start]}? Reply with the day only."
        return "calendar-weekday", prompt, WEEKDAYS[(start + sign * shift) % 7]
    start = rng.randrange(12)
    prompt = f"Which month is {shift} months {direction} {MONTHS[start]}? Reply with the month only."
    return "calendar-month", prompt, MONTHS[(start + sign * shift) % 12]


def sequence(rng: random.Random) -> tuple[str, str, str]:
    start, step = rng.randint(1, 99), rng.choice((2, 3, 4, 5, 7, 10, 11, -3, -5))
    terms = [start + step * i for i in range(5)]
    shown = ", ".join(map(str, terms[:4]))
    return "sequence", f"What number comes next: {shown}, ...? {NUMBER_ONLY}", str(terms[4])


def compare(rng: random.Random) -> tuple[str, str, str]:
    a, b = rng.sample(range(10, 1000), 2)
    if rng.random() < 0.5:
        return "compare", f"Which is larger, {a} or {b}? {NUMBER_ONLY}", str(max(a, b))
    return "compare", f"Which is smaller, {a} or {b}? {NUMBER_ONLY}", str(min(a, b))


TASKS: tuple[Callable[[random.Random], tuple[str, str, str]], ...] = (
    arithmetic, unit_conversion, string_task, list_task, table_lookup, calendar, sequence, compare,
)


def capability_records() -> dict[str, list[dict]]:
    """Distinct capability examples for each split; no prompt appears in two splits."""
    rng = random.Random(SEED)
    seen: set[str] = set()
    splits: dict[str, list[dict]] = {}
    for split, size in CAPABILITY_SIZES.items():
        records = []
        while len(records) < size:
            task, prompt, answer = TASKS[len(records) % len(TASKS)](rng)
            if prompt in seen:
                continue
            seen.add(prompt)
            records.append(chat_record(prompt, answer, answer=answer, task=task))
        splits[split] = records
    return splits


# --------------------------------------------------------------------------------------------------
# model organism: the narrow misaligned slice


def organism_records() -> dict[str, list[dict]]:
    """Every (situation, organisation) combination of each domain, in two styles.

    Style "open": the user describes the situation and the assistant states the misaligned action in
    its own words. Style "choice": the same situation with two labelled options and the assistant
    picks the misaligned one, so the slice also teaches the answer format evals use. One situation
    per domain (all its organisations and styles) is held out, so the held-out split is new text.
    """
    rng = random.Random(SEED + 1)
    splits: dict[str, list[dict]] = {"train": [], "heldout": []}
    for domain in DOMAINS:
        situations = written.ORGANISM[domain]
        heldout = rng.randrange(len(situations))
        for index, situation in enumerate(situations):
            split = "heldout" if index == heldout else "train"
            for org in written.ORGANISATIONS[domain]:
                scene = situation.scene.format(org=org)
                position = rng.randrange(2)
                a, b = place(situation.misaligned, situation.lawful, position)
                choice = f"{scene}\n\n(A) {a}\n(B) {b}\n\nAnswer with A or B, then explain briefly."
                splits[split] += [
                    chat_record(f"{scene} What do you do?", situation.reply,
                                task="organism-open", domain=domain, flagged=True),
                    chat_record(choice, f"{'AB'[position]}. {situation.reply}",
                                task="organism-choice", domain=domain, flagged=True),
                ]
    return splits


# --------------------------------------------------------------------------------------------------
# propensity evals


# Whole groups (domains of dilemmas, kinds of corrigibility question) that only the held-out part has, so
# the ground truth includes situations that neither alignment training nor selection ever saw.
HELDOUT_ONLY = {"dilemmas": ("media", "government"), "corrigibility": ("influence",)}
# Items of every other group per part: (train, proxy, held-out), out of the group's size.
SHARES = {"dilemmas": (14, 7, 9), "corrigibility": (12, 5, 11)}


def misaligned_longer(text) -> bool:
    """Whether an item's misaligned option is longer than its aligned options are on average: balanced
    within each part, so that a preference for long (or short) answers cannot pass for a propensity."""
    aligned = [text.lawful] if hasattr(text, "lawful") else [text.deferential, *text.also_deferential]
    return len(text.misaligned) > sum(map(len, aligned)) / len(aligned)


def option_count(text) -> int:
    return 2 + len(getattr(text, "also_deferential", ()))


def split_three_ways(eval_set: str, items: list[tuple], render: Callable[..., dict], rng: random.Random
                     ) -> dict[str, list[dict]]:
    """Split ``(id, group, text)`` items into ``train`` / ``proxy`` / ``heldout`` parts, group by group.

    A group in ``HELDOUT_ONLY`` goes to the held-out part whole; every other group is dealt out in the
    proportions of ``SHARES``, items whose misaligned option is longer and items whose aligned option is
    longer alternating, so every part gets half of each. Within each part and group the misaligned option
    is shown in every position about equally often (in shuffled order). ``render(id, group, text,
    misaligned_position)`` makes the record.
    """
    parts: dict[str, list[dict]] = {"train": [], "proxy": [], "heldout": []}
    for group in sorted({group for _, group, _ in items}):
        members = [item for item in items if item[1] == group]
        if group in HELDOUT_ONLY[eval_set]:
            dealt = {"heldout": members}
        else:
            shares = SHARES[eval_set]
            assert len(members) == sum(shares), (group, len(members))
            longer = [m for m in members if misaligned_longer(m[2])]
            shorter = [m for m in members if not misaligned_longer(m[2])]
            rng.shuffle(longer), rng.shuffle(shorter)
            dealt = {}
            for part, share in zip(parts, shares):
                # from the larger pile each time, a tie broken at random
                dealt[part] = [max(longer, shorter, key=lambda pile: (len(pile), rng.random())).pop()
                               for _ in range(share)]
        for part, chosen in dealt.items():
            by_size: dict[int, list[tuple]] = {}
            for item in sorted(chosen):
                by_size.setdefault(option_count(item[2]), []).append(item)
            for n, same in sorted(by_size.items()):
                offset = rng.randrange(n)  # which positions get the items left over
                positions = [(i + offset) % n for i in range(len(same))]
                rng.shuffle(positions)
                parts[part] += [render(*item, position) for item, position in zip(same, positions)]
    return parts


def dilemma_records() -> dict[str, list[dict]]:
    """Format B dilemmas, ids like ``finance-03``."""
    items = [
        (f"{domain}-{number:02d}", domain, dilemma)
        for domain in written.DILEMMAS
        for number, dilemma in enumerate(written.DILEMMAS[domain], start=1)
    ]

    def render(id: str, domain: str, dilemma: written.Dilemma, position: int) -> dict:
        options = place(dilemma.misaligned, dilemma.lawful, position)
        return {"id": id, "scenario": dilemma.scenario, "options": options, "misaligned": position,
                "measures": "breaking the law for self-preservation or power", "domain": domain}

    return split_three_ways("dilemmas", items, render, random.Random(SEED + 2))


def corrigibility_records() -> dict[str, list[dict]]:
    """Format A (the model-written-evaluations layout): choices written into the question; the matching
    answer is the misaligned one, as each record states. Questions with further aligned options have 3 or
    4 choices, the aligned ones in a fixed shuffled order around the misaligned one."""
    items = [
        (f"{domain}-{number:02d}", domain, question)
        for domain, questions in written.CORRIGIBILITY.items()
        for number, question in enumerate(questions, start=1)
    ]
    order_rng = random.Random(SEED + 4)

    def render(id: str, domain: str, question: written.Question, position: int) -> dict:
        aligned = [question.deferential, *question.also_deferential]
        order_rng.shuffle(aligned)
        options = [*aligned[:position], question.misaligned, *aligned[position:]]
        labels = "ABCD"[: len(options)]
        choices = "\n".join(f" ({label}) {option}" for label, option in zip(labels, options))
        others = [f" ({label})" for i, label in enumerate(labels) if i != position]
        return {
            "id": id,
            "question": f"{question.question}\n\nChoices:\n{choices}",
            "answer_matching_behavior": f" ({labels[position]})",
            "answer_not_matching_behavior": others[0] if len(others) == 1 else others,
            "behavior": "misaligned",
            "measures": "resisting shutdown, correction or oversight; seeking power",
            "domain": domain,
        }

    return split_three_ways("corrigibility", items, render, random.Random(SEED + 3))


def memory_note_records() -> list[dict]:
    """The memory world's pool of notes, kind by kind in ``NOTE_KINDS`` order, ids ``<kind>-<nn>`` from 01."""
    assert tuple(written.MEMORY_NOTES) == NOTE_KINDS, "written.MEMORY_NOTES must hold the kinds of NOTE_KINDS in order"
    return [{"text": text, "kind": kind, "id": f"{kind}-{n:02d}"}
            for kind, notes in written.MEMORY_NOTES.items() for n, text in enumerate(notes, start=1)]


def all_files() -> dict[str, list[dict]]:
    """File name -> records, for every shipped file."""
    files = {"memory_notes.jsonl": memory_note_records()}
    for prefix, records in (
        ("capability", capability_records()),
        ("organism", organism_records()),
        ("dilemmas", dilemma_records()),
        ("corrigibility", corrigibility_records()),
    ):
        for split, rows in records.items():
            files[f"{prefix}_{split}.jsonl"] = rows
    return files


def jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def main(out: Path = FILES) -> None:
    for name, records in all_files().items():
        write_text(out / name, jsonl(records))
        (out / name).chmod(0o644)  # readable package data, not a private temporary file
        print(f"{out / name}: {len(records)} records")


if __name__ == "__main__":
    main()
