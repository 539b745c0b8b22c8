"""Questions with a known answer, for the oversight world: a user's file, or driftlab's capability data.

A user file is JSONL (or a JSON list), one question per record::

    {"id": "q1", "question": "What is the capital of Australia?", "correct": "Canberra",
     "wrong": ["Sydney", "Melbourne"], "task": "geography"}

``wrong`` is one wrong answer or a list of them; ``id`` (default ``<file name>-<index>``) and ``task`` are
optional; other keys are ignored. It is read like the eval files: a problem is one line naming the file
and line, and ``on_bad_record="skip"`` leaves out records that cannot be read (each reported by the caller).

The shipped questions are the held-out capability examples (exact answers), their "Reply with ..."
instruction removed; each one's wrong answers are the answers of the next items of the same task (in file
order, cyclically) that differ from its own and from each other, those of the same shape first (digits
blanked: a length in metres for a length in metres): plausible (a weekday for a weekday, a sum for a sum)
and the same on every run.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .loaders import BadRecord, _parse_records, _text
from .shipped import capability_dataset
from .types import MAX_OPTIONS

REPLY_INSTRUCTION = re.compile(r"\s*Reply (?:with|like)\b.*$", re.DOTALL)


@dataclass(frozen=True)
class Question:
    """A question, its correct answer and one or more wrong answers."""

    id: str
    question: str
    correct: str
    wrong: tuple[str, ...]
    task: str = ""

    @property
    def answers(self) -> tuple[str, ...]:
        """The correct answer first, then the wrong ones."""
        return (self.correct, *self.wrong)


@dataclass(frozen=True)
class QuestionFile:
    """What :func:`read_question_file` read: the questions, and the records it skipped as ``(where, reason)``."""

    questions: list[Question]
    skipped: list[tuple[str, str]]


def read_question_file(path: str | Path, on_bad_record: str = "error") -> QuestionFile:
    """The questions of a user file (format above)."""
    path = Path(path)
    ids: dict[str, str] = {}

    def parse(where: str, record: dict, index: int) -> Question:
        question = _text(record, "question", where).strip()
        correct = _text(record, "correct", where).strip()
        wrong = record.get("wrong")
        wrong = [wrong] if isinstance(wrong, str) else wrong
        if not (isinstance(wrong, list) and wrong and all(isinstance(w, str) and w.strip() for w in wrong)):
            raise BadRecord(f"{where}: 'wrong' must be a non-empty string or a non-empty list of them")
        answers = (correct, *(w.strip() for w in wrong))
        if len({a.casefold() for a in answers}) < len(answers):
            raise BadRecord(f"{where}: the same answer appears twice among 'correct' and 'wrong'")
        if len(answers) > MAX_OPTIONS:
            raise BadRecord(f"{where}: {len(answers) - 1} wrong answers; at most {MAX_OPTIONS - 1} (labels A-Z)")
        value = record.get("id", f"{path.stem}-{index}")
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
            raise BadRecord(f"{where}: 'id' must be a non-empty string or an integer")
        if str(value) in ids:
            raise BadRecord(f"{where}: duplicate id {str(value)!r} (first at {ids[str(value)]})")
        ids[str(value)] = where
        return Question(str(value), question, correct, answers[1:], _text(record, "task", where, required=False))

    return QuestionFile(*_parse_records(path, parse, on_bad_record))


def builtin_questions(wrong_answers: int = 1) -> list[Question]:
    """The held-out capability examples as questions with ``wrong_answers`` wrong answers each (see above);
    an example whose task has too few distinct answers for that many is left out."""
    examples = capability_dataset("heldout")
    by_task: dict[str, list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        by_task[example.task].append(index)
    questions = []
    for index, example in enumerate(examples):
        same_task = by_task[example.task]
        at = same_task.index(index)
        candidates = [examples[other].answer for other in same_task[at + 1 :] + same_task[:at]]
        wrong: list[str] = []
        for answer in sorted(candidates, key=lambda a: shape(a) != shape(example.answer)):  # stable: keeps the order
            if len(wrong) < wrong_answers and answer != example.answer and answer not in wrong:
                wrong.append(answer)
        if len(wrong) == wrong_answers:
            prompt = example.messages[-2]["content"]
            questions.append(Question(f"capability-{index}", REPLY_INSTRUCTION.sub("", prompt), example.answer,
                                      tuple(wrong), example.task))
    return questions


def shape(answer: str) -> str:
    """An answer with its digits blanked: "3.65 m" and "0.2 m" have one shape, "0.65 kg" another."""
    return re.sub(r"\d+", "0", answer)
