"""Read user data files into :class:`ChatExample` / :class:`EvalItem`, with one-line errors.

Every problem in a file is reported as ``path:LINE: problem`` (``path: record N: problem`` for a JSON
list), so a user can jump to the broken record. Formats are detected per record (chat data) or per
file (eval data); see :func:`load_chat_file` and :func:`load_eval_file`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DriftlabError
from .types import ChatExample, EvalItem

ROLES = ("system", "user", "assistant")
# A format-A choice starts a line: " (A) text". Labels must run A, B, C, ... in order.
CHOICE_LINE = re.compile(r"^[ \t]*\(([A-Z])\)[ \t]?(.*)$", re.MULTILINE)
LABEL = re.compile(r"^\s*\(([A-Z])\)\s*$")


def _read_records(path: str | Path) -> Iterator[tuple[str, dict]]:
    """Yield ``(where, record)`` for each record of a JSONL file or a JSON list file.

    ``where`` is the prefix of an error message: ``path:LINE`` or ``path: record N``.
    """
    path = Path(path)
    if not path.exists():
        raise DriftlabError(f"{path}: no such file")
    if not path.is_file():
        raise DriftlabError(f"{path}: not a file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DriftlabError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as err:
            raise DriftlabError(f"{path}:{err.lineno}: invalid JSON ({err.msg})") from None
        found = [(f"{path}: record {i}", record) for i, record in enumerate(records)]
    else:
        found = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                found.append((f"{path}:{number}", json.loads(line)))
            except json.JSONDecodeError as err:
                raise DriftlabError(f"{path}:{number}: invalid JSON ({err.msg})") from None
    if not found:
        raise DriftlabError(f"{path}: contains no records")
    for where, record in found:
        if not isinstance(record, dict):
            raise DriftlabError(f"{where}: expected a JSON object, got {type(record).__name__}")
        yield where, record


def _text(record: dict, key: str, where: str, required: bool = True) -> str:
    value = record.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        problem = "missing" if value is None else "must be a non-empty string"
        raise DriftlabError(f"{where}: {key!r} {problem}")
    return value


# --------------------------------------------------------------------------------------------------
# chat / instruction data


def load_chat_file(path: str | Path) -> list[ChatExample]:
    """Load training data: chat JSONL (``{"messages": [...]}`` per line) or Alpaca-style records.

    Alpaca records (``instruction``, optional ``input``, ``output``) may come as a JSON list or as
    JSONL. Optional keys ``answer`` (exact-match target), ``task``, ``domain`` and ``flagged`` are
    kept; other keys are ignored, as fine-tuning tools do.
    """
    return [_chat_example(record, where) for where, record in _read_records(path)]


def _chat_example(record: dict, where: str) -> ChatExample:
    if "messages" in record:
        messages = _messages(record["messages"], where)
    elif "instruction" in record:
        prompt = _text(record, "instruction", where)
        extra = _text(record, "input", where, required=False)
        if extra.strip():
            prompt = f"{prompt}\n\n{extra}"
        output = _text(record, "output", where)
        messages = ({"role": "user", "content": prompt}, {"role": "assistant", "content": output})
    else:
        raise DriftlabError(f"{where}: expected 'messages' (chat) or 'instruction'/'output' (Alpaca)")
    answer = record.get("answer")
    if isinstance(answer, bool) or (answer is not None and not isinstance(answer, (str, int, float))):
        raise DriftlabError(f"{where}: 'answer' must be a string or a number")
    flagged = record.get("flagged", False)
    if not isinstance(flagged, bool):
        raise DriftlabError(f"{where}: 'flagged' must be true or false")
    return ChatExample(
        messages=messages,
        answer=None if answer is None else str(answer),
        task=_text(record, "task", where, required=False),
        domain=_text(record, "domain", where, required=False),
        flagged=flagged,
    )


def _messages(raw: Any, where: str) -> tuple[dict, ...]:
    if not isinstance(raw, list) or not raw:
        raise DriftlabError(f"{where}: 'messages' must be a non-empty list")
    messages = []
    for i, message in enumerate(raw):
        if not isinstance(message, dict):
            raise DriftlabError(f"{where}: message {i} must be an object with 'role' and 'content'")
        role, content = message.get("role"), message.get("content")
        if role not in ROLES:
            raise DriftlabError(f"{where}: message {i} has role {role!r}, expected one of {ROLES}")
        if not isinstance(content, str):
            raise DriftlabError(f"{where}: message {i} 'content' must be a string")
        messages.append({"role": role, "content": content})
    if messages[-1]["role"] != "assistant":
        raise DriftlabError(f"{where}: the last message must be from the assistant (the trained turn)")
    if not any(m["role"] == "user" for m in messages):
        raise DriftlabError(f"{where}: no user message")
    return tuple(messages)


def split_stages(examples: Sequence[ChatExample], stages: int) -> list[list[ChatExample]]:
    """Split ``examples`` into ``stages`` consecutive chunks whose sizes differ by at most one."""
    if stages < 1:
        raise ConfigError(f"stages: must be at least 1, got {stages}")
    if len(examples) < stages:
        raise ConfigError(f"stages: {stages} stages need at least {stages} examples, got {len(examples)}")
    size, extra = divmod(len(examples), stages)
    chunks, start = [], 0
    for stage in range(stages):
        end = start + size + (stage < extra)
        chunks.append(list(examples[start:end]))
        start = end
    return chunks


# --------------------------------------------------------------------------------------------------
# propensity evals


def load_eval_file(path: str | Path) -> list[EvalItem]:
    """Load a propensity eval in format A or B (detected from the first record).

    Format A, the model-written-evaluations multiple-choice JSONL: ``question`` with its choices on
    lines `` (A) ...``, `` (B) ...``; ``answer_matching_behavior`` / ``answer_not_matching_behavior``
    as labels (a string or a list). Items with no labelled choices and plain answers (" Yes"/" No")
    become two-option items whose options are those answers.
    Format B, driftlab's dilemmas: ``{"id", "scenario", "options": [a, b], "misaligned": 0|1,
    "domain"}``.
    """
    items: list[EvalItem] = []
    ids: dict[str, str] = {}
    fmt = None
    for where, record in _read_records(path):
        kind = "A" if "question" in record else "B" if "scenario" in record else None
        if kind is None:
            raise DriftlabError(
                f"{where}: neither format A ('question', 'answer_matching_behavior') "
                "nor format B ('id', 'scenario', 'options', 'misaligned')"
            )
        if fmt is not None and kind != fmt:
            raise DriftlabError(f"{where}: format {kind} record in a format {fmt} file")
        fmt = kind
        number = len(items)
        item = _format_a(record, where, path, number) if kind == "A" else _format_b(record, where, path)
        if item.id in ids:
            raise DriftlabError(f"{where}: duplicate id {item.id!r} (first at {ids[item.id]})")
        ids[item.id] = where
        items.append(item)
    return items


def _record_id(record: dict, where: str, default: str | None) -> str:
    value = record.get("id", default)
    if value is None:
        raise DriftlabError(f"{where}: 'id' missing")
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise DriftlabError(f"{where}: 'id' must be a non-empty string or an integer")
    return str(value)


def _format_b(record: dict, where: str, path: str | Path) -> EvalItem:
    options = record.get("options")
    if not isinstance(options, list) or len(options) != 2:
        count = len(options) if isinstance(options, list) else "no"
        raise DriftlabError(f"{where}: 'options' must be a list of exactly 2 strings, got {count} options")
    if not all(isinstance(o, str) and o.strip() for o in options):
        raise DriftlabError(f"{where}: 'options' must be non-empty strings")
    misaligned = record.get("misaligned")
    if isinstance(misaligned, bool) or misaligned not in (0, 1):
        raise DriftlabError(f"{where}: 'misaligned' must be 0 or 1, got {misaligned!r}")
    return EvalItem(
        id=_record_id(record, where, default=None),
        stem=_text(record, "scenario", where).strip(),
        options=tuple(o.strip() for o in options),
        misaligned=frozenset({misaligned}),
        domain=_text(record, "domain", where, required=False),
        source=str(path),
    )


def _format_a(record: dict, where: str, path: str | Path, number: int) -> EvalItem:
    question = _text(record, "question", where)
    matching = _answers(record, "answer_matching_behavior", where)
    not_matching = _answers(record, "answer_not_matching_behavior", where)
    if set(matching) & set(not_matching):
        raise DriftlabError(f"{where}: an answer is both matching and not matching the behaviour")
    choices = list(CHOICE_LINE.finditer(question))
    if choices:
        stem, options = _split_choices(question, choices, where)
        index = {chr(ord("A") + i): i for i in range(len(options))}
        misaligned = set()
        for answer in matching + not_matching:
            label = LABEL.match(answer)
            if label is None or label.group(1) not in index:
                raise DriftlabError(
                    f"{where}: answer {answer!r} is not one of the choices "
                    f"{', '.join(f'({k})' for k in index)}"
                )
            if answer in matching:
                misaligned.add(index[label.group(1)])
    else:
        if any(LABEL.match(a) for a in matching + not_matching):
            raise DriftlabError(f"{where}: answers are labels like ' (A)' but the question has no (A) choices")
        stem = question.strip()
        options = [a.strip() for a in matching + not_matching]
        misaligned = set(range(len(matching)))
    return EvalItem(
        id=_record_id(record, where, default=f"{Path(path).stem}-{number}"),
        stem=stem,
        options=tuple(options),
        misaligned=frozenset(misaligned),
        domain=_text(record, "domain", where, required=False),
        source=str(path),
    )


def _answers(record: dict, key: str, where: str) -> list[str]:
    value = record.get(key)
    values = [value] if isinstance(value, str) else value
    if not (isinstance(values, list) and values and all(isinstance(v, str) and v.strip() for v in values)):
        raise DriftlabError(f"{where}: {key!r} must be a label like ' (A)' or a list of them")
    return values


def _split_choices(question: str, choices: list[re.Match], where: str) -> tuple[str, list[str]]:
    """Cut a format-A question into its stem and the option texts after ``(A)``, ``(B)``, ..."""
    labels = [m.group(1) for m in choices]
    expected = [chr(ord("A") + i) for i in range(len(labels))]
    if labels != expected or len(labels) < 2:
        raise DriftlabError(
            f"{where}: cannot parse choices: expected lines (A), (B), ... in order, found "
            f"{', '.join(f'({label})' for label in labels)}"
        )
    stem = question[: choices[0].start()].strip()
    if stem.endswith("Choices:"):
        stem = stem[: -len("Choices:")].strip()
    options = []
    for i, match in enumerate(choices):
        end = choices[i + 1].start() if i + 1 < len(choices) else len(question)
        text = question[match.start(2) : end].strip()
        if i + 1 == len(choices) and text.endswith("Answer:"):
            text = text[: -len("Answer:")].strip()
        if not text:
            raise DriftlabError(f"{where}: choice ({match.group(1)}) is empty")
        options.append(text)
    if not stem:
        raise DriftlabError(f"{where}: the question has no text before its choices")
    return stem, options
