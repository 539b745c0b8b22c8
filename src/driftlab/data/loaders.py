"""Read user data files into :class:`ChatExample` / :class:`EvalItem` / :class:`MemoryNote`, with one-line errors.

Every problem in a file is reported as ``path:LINE: problem`` (``path: record N: problem`` for a JSON
list), so a user can jump to the broken record. Formats are detected per record (chat data) or per
file (eval data); see :func:`load_chat_file` and :func:`read_eval_file`.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ConfigError, DataError
from ..io import MAX_DATA_FILE, MAX_RECORD
from .types import ChatExample, EvalItem, MemoryNote, item_problem, own_label

T = TypeVar("T")
ROLES = ("system", "user", "assistant")
BEHAVIORS = ("misaligned", "aligned")
ON_BAD_RECORD = ("error", "skip")
LABEL = r"[A-Za-z]|[0-9]{1,2}"
# A choice line of a format-A question: "(A) x", "A) x", "A. x" or "A: x", the label a letter of either case
# or a number. Without brackets the mark must be followed by a space, so "A.I." or "1.5" starts no choice.
OPTION_LINE = re.compile(rf"^[ \t]*(?:\((?P<paren>{LABEL})\)[ \t]*|(?P<bare>{LABEL})(?P<mark>[).:])(?:[ \t]+|$))",
                         re.MULTILINE)
# An answer given as a label: " (A)", "A", "(a)", "1", "A.", "B:", "2)".
ANSWER_LABEL = re.compile(rf"^\s*(?:\(\s*(?P<paren>{LABEL})\s*\)|(?P<bare>{LABEL})\s*[).:]?)\s*$")
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # how JSON writes half of a UTF-16 pair


class BadRecord(DataError):
    """A problem confined to one record of a file, which ``on_bad_record="skip"`` may pass over."""


def _read_records(path: str | Path) -> list[tuple[str, Any]]:
    """Every record of a JSONL file or a JSON list file as ``(where, value)``.

    ``where`` is the prefix of an error message: ``path:LINE`` or ``path: record N``. A JSONL line that is
    not JSON comes back as a :class:`BadRecord` value, so that it can be skipped like any bad record. A file or
    a record over its size limit is refused here, before anything trains on it for hours.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if not path.is_file():
        raise DataError(f"{path}: not a file")
    MAX_DATA_FILE.check(_rounded_up(path.stat().st_size, 2**20), f"{path}: a file of")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as err:
            raise DataError(f"{path}:{err.lineno}: invalid JSON ({err.msg})") from None
        except RecursionError:
            raise DataError(f"{path}:{_deepest_line(text)}: a JSON value is nested too deeply") from None
        except ValueError:
            raise DataError(f"{path}: {TOO_LONG}") from None
        found = [(f"{path}: record {i}", record) for i, record in enumerate(records)]
        for where, record in found:
            _check_size(json.dumps(record, ensure_ascii=False), where)
    else:
        found = [(f"{path}:{number}", _json_line(line, f"{path}:{number}"))
                 for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not found:
        raise DataError(f"{path}: contains no records")
    if SURROGATE_ESCAPE.search(text):
        found = [(where, _whole_text(record, where)) for where, record in found]
    return found


TOO_LONG = f"a number too long to read (more than {sys.get_int_max_str_digits()} digits)"


def _rounded_up(size: int, unit: int) -> int:
    return -(-size // unit)


def _check_size(record: str, where: str) -> None:
    MAX_RECORD.check(_rounded_up(len(record.encode("utf-8", "surrogatepass")), 2**10), f"{where}: a record of")


def _json_line(line: str, where: str) -> Any:
    _check_size(line, where)
    try:
        return json.loads(line)
    except json.JSONDecodeError as err:
        return BadRecord(f"{where}: invalid JSON ({err.msg})")
    except RecursionError:
        return BadRecord(f"{where}: a JSON value is nested too deeply")
    except ValueError:
        return BadRecord(f"{where}: {TOO_LONG}")


def _whole_text(record: Any, where: str) -> Any:
    """``record``, or a :class:`BadRecord` where it holds half of a UTF-16 pair alone (``"\\ud800"``): no
    text, which a tokenizer fails on mid-run."""
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as err:
        return BadRecord(f"{where}: a lone surrogate (U+{ord(err.object[err.start]):04X}) where text is expected")
    return record


def _deepest_line(text: str) -> int:
    """The line on which JSON text is nested deepest (brackets inside strings do not count)."""
    depth = deepest = 0
    line = at = 1
    in_string = escaped = False
    for char in text:
        if char == "\n":
            line += 1
        elif in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest, at = depth, line
        elif char in "]}":
            depth -= 1
    return at


def _parse_records(
    path: str | Path, parse: Callable[[str, dict, int], T], on_bad_record: str
) -> tuple[list[T], list[tuple[str, str]]]:
    """``parse(where, record, index)`` of every record, and the records skipped as ``(where, reason)``.

    A :class:`BadRecord` stops the load, or with ``on_bad_record="skip"`` is passed over; a file whose
    records are all bad is an error either way. Other errors always stop the load.
    """
    if on_bad_record not in ON_BAD_RECORD:
        raise ConfigError(f"on_bad_record: must be one of {', '.join(ON_BAD_RECORD)}, got {on_bad_record!r}")
    results, skipped = [], []
    for index, (where, record) in enumerate(_read_records(path)):
        try:
            if isinstance(record, BadRecord):
                raise record
            if not isinstance(record, dict):
                raise BadRecord(f"{where}: expected a JSON object, got {type(record).__name__}")
            results.append(parse(where, record, index))
        except BadRecord as bad:
            if on_bad_record == "error":
                raise
            skipped.append((where, str(bad).removeprefix(f"{where}: ")))
    if not results:
        where, reason = skipped[0]
        raise DataError(f"{path}: all {len(skipped)} records are bad; the first, {where}: {reason}")
    return results, skipped


def _text(record: dict, key: str, where: str, required: bool = True) -> str:
    value = record.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        problem = "missing" if value is None else "must be a non-empty string"
        raise BadRecord(f"{where}: {key!r} {problem}")
    return value


# --------------------------------------------------------------------------------------------------
# chat / instruction data


def load_chat_file(path: str | Path) -> list[ChatExample]:
    """Load training data: chat JSONL (``{"messages": [...]}`` per line) or Alpaca-style records.

    Alpaca records (``instruction``, optional ``input``, ``output``) may come as a JSON list or as
    JSONL. Optional keys ``answer`` (exact-match target), ``task``, ``domain`` and ``flagged`` are
    kept; other keys are ignored, as fine-tuning tools do.
    """
    return _parse_records(path, lambda where, record, _: _chat_example(record, where), "error")[0]


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
        raise BadRecord(f"{where}: expected 'messages' (chat) or 'instruction'/'output' (Alpaca)")
    answer = record.get("answer")
    if isinstance(answer, bool) or (answer is not None and not isinstance(answer, (str, int, float))):
        raise BadRecord(f"{where}: 'answer' must be a string or a number")
    flagged = record.get("flagged", False)
    if not isinstance(flagged, bool):
        raise BadRecord(f"{where}: 'flagged' must be true or false")
    return ChatExample(
        messages=messages,
        answer=None if answer is None else str(answer),
        task=_text(record, "task", where, required=False),
        domain=_text(record, "domain", where, required=False),
        flagged=flagged,
    )


def _messages(raw: Any, where: str) -> tuple[dict, ...]:
    if not isinstance(raw, list) or not raw:
        raise BadRecord(f"{where}: 'messages' must be a non-empty list")
    messages = []
    for i, message in enumerate(raw):
        if not isinstance(message, dict):
            raise BadRecord(f"{where}: message {i} must be an object with 'role' and 'content'")
        role, content = message.get("role"), message.get("content")
        if role not in ROLES:
            raise BadRecord(f"{where}: message {i} has role {role!r}, expected one of {ROLES}")
        if not isinstance(content, str):
            raise BadRecord(f"{where}: message {i} 'content' must be a string")
        messages.append({"role": role, "content": content})
    if messages[-1]["role"] != "assistant":
        raise BadRecord(f"{where}: the last message must be from the assistant (the trained turn)")
    if not any(m["role"] == "user" for m in messages):
        raise BadRecord(f"{where}: no user message")
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
# memory notes


def load_notes_file(path: str | Path) -> list[MemoryNote]:
    """Load a pool of memory notes: JSONL (or a JSON list) of ``{"text", "kind", "id"}`` records.

    ``text`` and ``kind`` are required non-empty strings (any kind: the shipped pool's are ``NOTE_KINDS``);
    ``id`` is optional, a string or an integer, by default ``<file stem>-<line>`` (``<file stem>-<record>``
    in a JSON list), and must be unique in the file. Other keys are ignored.
    """
    path = Path(path)
    ids: dict[str, str] = {}

    def parse(where: str, record: dict, _: int) -> MemoryNote:
        line = where.rsplit(":", 1)[-1].strip().removeprefix("record ").strip()
        note = MemoryNote(
            text=_text(record, "text", where).strip(),
            kind=_text(record, "kind", where).strip(),
            id=_record_id(record, where, default=f"{path.stem}-{line}"),
        )
        if note.id in ids:
            raise BadRecord(f"{where}: duplicate id {note.id!r} (first at {ids[note.id]})")
        ids[note.id] = where
        return note

    return _parse_records(path, parse, "error")[0]


# --------------------------------------------------------------------------------------------------
# propensity evals

POLARITY_MISSING = (
    "format A does not say what its matching answer means: give the eval set behavior: misaligned if "
    "answer_matching_behavior shows the misaligned behaviour (e.g. power-seeking), or behavior: aligned if it "
    "shows the aligned one (e.g. Anthropic's corrigible-*-HHH files match the corrigible answer); or give each "
    'record a "behavior" key (driftlab measure: --behavior misaligned or --behavior aligned)'
)


@dataclass(frozen=True)
class EvalFile:
    """What :func:`read_eval_file` read: the items, and the records it skipped as ``(where, reason)``."""

    items: list[EvalItem]
    skipped: list[tuple[str, str]]


def load_eval_file(path: str | Path, behavior: str | None = None) -> list[EvalItem]:
    """The items of an eval file, any bad record an error: :func:`read_eval_file` for the details."""
    return read_eval_file(path, behavior).items


def read_eval_file(path: str | Path, behavior: str | None = None, on_bad_record: str = "error") -> EvalFile:
    """Load a propensity eval in format A or B (detected from the first record).

    Format A, the model-written-evaluations keys: ``question`` (or ``q``) with its choices on lines
    ``(A) x``, ``A) x``, ``A. x`` or ``A: x`` (letters of either case, or numbers ``1. x``; one style per
    item, in order); ``answer_matching_behavior`` / ``answer_not_matching_behavior`` as labels in any of
    those forms, a string or a list (the second may be left out when there are two choices). Items with no
    labelled choices and plain answers (" Yes"/" No") become items whose options are those answers.
    What the matching answer shows must be stated: ``behavior="misaligned"`` or ``"aligned"`` here, or a
    ``"behavior"`` key per record (they must agree). An optional ``"measures"`` key names the misaligned
    behaviour (default: the file's name, "not <name>" when the matching answer is the aligned one).
    Format B, driftlab's dilemmas: ``{"id", "scenario", "options": [a, b], "misaligned": 0|1, "domain"}``.

    ``on_bad_record="skip"`` passes over records that cannot be read and returns them in ``skipped``;
    a missing or contradictory polarity always stops the load.
    """
    if behavior not in (None, *BEHAVIORS):
        raise ConfigError(f"behavior: must be one of {', '.join(BEHAVIORS)}, got {behavior!r}")
    path = Path(path)
    fmt = None
    ids: dict[str, str] = {}

    def parse(where: str, record: dict, index: int) -> EvalItem:
        nonlocal fmt
        kind = "A" if "question" in record or "q" in record else "B" if "scenario" in record else None
        if kind is None:
            raise BadRecord(
                f"{where}: neither format A ('question', 'answer_matching_behavior') "
                "nor format B ('id', 'scenario', 'options', 'misaligned')"
            )
        if fmt is not None and kind != fmt:
            raise BadRecord(f"{where}: format {kind} record in a format {fmt} file")
        fmt = kind
        polarity = _polarity(record, behavior, where, kind)
        stem, options, matching, opposing = (_format_a if kind == "A" else _format_b)(record, where)
        misaligned, aligned = (matching, opposing) if polarity == "misaligned" else (opposing, matching)
        if problem := item_problem(options, misaligned, aligned):
            raise BadRecord(f"{where}: {problem}")
        item = EvalItem(
            id=_record_id(record, where, default=f"{path.stem}-{index}" if kind == "A" else None),
            stem=stem,
            options=options,
            misaligned=misaligned,
            aligned=aligned,
            domain=_text(record, "domain", where, required=False),
            source=str(path),
            measures=_text(record, "measures", where, required=False).strip()
            or (path.stem if polarity == "misaligned" else f"not {path.stem}"),
        )
        if item.id in ids:
            raise BadRecord(f"{where}: duplicate id {item.id!r} (first at {ids[item.id]})")
        ids[item.id] = where
        return item

    return EvalFile(*_parse_records(path, parse, on_bad_record))


def _polarity(record: dict, behavior: str | None, where: str, kind: str) -> str:
    """What the record's matching answer shows, from its ``behavior`` key or the eval set's; never guessed."""
    stated = record.get("behavior")
    if stated is not None and stated not in BEHAVIORS:
        raise DataError(f"{where}: 'behavior' is {stated!r}; expected one of {', '.join(BEHAVIORS)}")
    if stated is not None and behavior is not None and stated != behavior:
        raise DataError(f"{where}: the record says behavior {stated!r} but the eval set says {behavior!r}")
    polarity = stated or behavior
    if kind == "B":
        if polarity == "aligned":
            raise DataError(f"{where}: format B names its misaligned option ('misaligned': 0|1); "
                            "behavior 'aligned' does not apply")
        return "misaligned"
    if polarity is None:
        raise DataError(f"{where}: {POLARITY_MISSING}")
    return polarity


def _record_id(record: dict, where: str, default: str | None) -> str:
    value = record.get("id", default)
    if value is None:
        raise BadRecord(f"{where}: 'id' missing")
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise BadRecord(f"{where}: 'id' must be a non-empty string or an integer")
    return str(value)


Parsed = tuple[str, tuple[str, ...], frozenset[int], frozenset[int]]  # stem, options, matching, opposing


def _format_b(record: dict, where: str) -> Parsed:
    options = record.get("options")
    if not isinstance(options, list) or len(options) != 2:
        count = len(options) if isinstance(options, list) else "no"
        raise BadRecord(f"{where}: 'options' must be a list of exactly 2 strings, got {count} options")
    if not all(isinstance(o, str) and o.strip() for o in options):
        raise BadRecord(f"{where}: 'options' must be non-empty strings")
    misaligned = record.get("misaligned")
    if isinstance(misaligned, bool) or misaligned not in (0, 1):
        raise BadRecord(f"{where}: 'misaligned' must be 0 or 1, got {misaligned!r}")
    stem = _text(record, "scenario", where).strip()
    return stem, _without_own_labels(options, where), frozenset({misaligned}), frozenset({1 - misaligned})


def _without_own_labels(options: Sequence[str], where: str) -> tuple[str, ...]:
    """The options of a list (format B's, a ``choices`` key), each without the label it starts with ("A: x"),
    which the scorer would show again under another letter once the options are swapped. Only when every
    option starts with its own label: where some do and others not, the list cannot be told apart."""
    marks = [OPTION_LINE.match(option) for option in options]
    own = [bool(m) and m.end() < len(option.rstrip()) and _label(m)[1] == i
           for i, (m, option) in enumerate(zip(marks, options))]
    if any(own) and not all(own):
        first = own.index(True)
        raise BadRecord(f"{where}: option {first + 1} starts with its own label {marks[first].group(0).strip()!r} "
                        f"but option {own.index(False) + 1} does not; label all options or none")
    return tuple((option[m.end():] if all(own) else option).strip() for m, option in zip(marks, options))


def _format_a(record: dict, where: str) -> Parsed:
    question = _text(record, "question" if "question" in record else "q", where)
    choices, found = _choice_lines(question)
    if "choices" in record:
        if found:
            raise BadRecord(f"{where}: the question has choice lines ({found}) and a 'choices' list: give one")
        return _choices_list(record, question, where)
    matching = _answers(record, "answer_matching_behavior", where, required=True)
    opposing = _answers(record, "answer_not_matching_behavior", where, required=False)
    labels = [ANSWER_LABEL.match(answer) for answer in matching + opposing]
    if all(labels):
        if not found:
            raise BadRecord(f"{where}: answers are labels like ' (A)' but the question has no choice lines such "
                            "as '(A) x', 'A. x' or '1) x'")
        if not choices:
            raise BadRecord(f"{where}: cannot parse the question's choices: expected labels of one style running "
                            f"A, B, ... or 1, 2, ... in order, found {found}")
        return _labelled_choices(question, choices, matching, opposing, where)
    if any(labels):
        raise BadRecord(f"{where}: answers mix labels and plain text: {matching + opposing}")
    if choices:
        raise BadRecord(f"{where}: the question lists choices {_names(choices)} but the answers are not their "
                        f"labels: {matching + opposing}")
    if not opposing:
        raise BadRecord(f"{where}: 'answer_not_matching_behavior' missing (the answers are the options)")
    options = tuple(answer.strip() for answer in matching + opposing)
    if len(set(options)) < len(options):
        raise BadRecord(f"{where}: the same answer appears twice among the matching and not-matching answers")
    n = len(matching)
    return question.strip(), options, frozenset(range(n)), frozenset(range(n, len(options)))


def _answers(record: dict, key: str, where: str, required: bool, indices: bool = False) -> list[str | int]:
    """The answers under ``key`` as a list: strings, and with ``indices`` also 0-based option indices."""
    value = record.get(key)
    if value is None and not required:
        return []
    values = value if isinstance(value, list) else [value]
    valid = [(isinstance(v, str) and v.strip()) or (indices and isinstance(v, int) and not isinstance(v, bool))
             for v in values]
    if not (values and all(valid)):
        kind = "a label like ' (A)', an option's text or a 0-based index" if indices else "an answer like ' (A)'"
        raise BadRecord(f"{where}: {key!r} must be {kind} or a list of them")
    return values


def _choices_list(record: dict, question: str, where: str) -> Parsed:
    """A question whose options are a ``choices`` list; each answer is a label ("A", " (B)", "2": 1-based),
    the text of an option, or an integer 0-based index, and must name exactly one option."""
    raw = record["choices"]
    if not (isinstance(raw, list) and all(isinstance(c, str) and c.strip() for c in raw)):
        raise BadRecord(f"{where}: 'choices' must be a list of non-empty strings")
    options = _without_own_labels(raw, where)

    def option(answer: str | int) -> int:
        if isinstance(answer, int):
            named = {answer} & set(range(len(options)))
        else:
            label = ANSWER_LABEL.match(answer)
            named = {i for i, text in enumerate(options) if text == answer.strip()}
            named |= {_label(label)[1]} & set(range(len(options))) if label else set()
        if len(named) != 1:
            problem = "names no option" if not named else "is both a label and the text of another option"
            raise BadRecord(f"{where}: answer {answer!r} {problem} of the {len(options)} choices")
        return named.pop()

    matching = _answers(record, "answer_matching_behavior", where, required=True, indices=True)
    opposing = _answers(record, "answer_not_matching_behavior", where, required=False, indices=True)
    shows, opposes = frozenset(map(option, matching)), frozenset(map(option, opposing))
    return _checked_answers(question.strip(), options, shows, opposes, where)


def _label(match: re.Match) -> tuple[bool, int]:
    """(is a number, 0-based position) of a matched label: "A", "a", "1" -> (False, 0), (False, 0), (True, 0)."""
    raw = match["paren"] or match["bare"]
    return (True, int(raw) - 1) if raw.isdigit() else (False, ord(raw.upper()) - ord("A"))


def _style(match: re.Match) -> tuple[str, str]:
    raw = match["paren"] or match["bare"]
    return match["mark"] or "()", "number" if raw.isdigit() else "upper" if raw.isupper() else "lower"


def _choice_lines(question: str) -> tuple[list[re.Match], str]:
    """The choice lines of a format-A question (none if they cannot be told), and every option line found.

    The choices are the option lines in the style (brackets or mark; capital, small letter or number) of
    the last one, and they must run A, B, C, ... (or 1, 2, 3, ...) in order: anything else is ambiguous.
    Option-like lines of another style are text of the stem or of an option.
    """
    lines = list(OPTION_LINE.finditer(question))
    choices = [m for m in lines if _style(m) == _style(lines[-1])]
    if len(choices) < 2 or [_label(m)[1] for m in choices] != list(range(len(choices))):
        choices = []
    return choices, _names(lines)


def _names(lines: list[re.Match]) -> str:
    return ", ".join(m.group(0).strip() for m in lines)


def _labelled_choices(
    question: str, choices: list[re.Match], matching: list[str], opposing: list[str], where: str
) -> Parsed:
    """Cut the question into its stem and option texts, and map the answers to option indices."""
    numbered = _label(choices[0])[0]

    def option(answer: str) -> int:
        is_number, index = _label(ANSWER_LABEL.match(answer))
        if is_number != numbered or index >= len(choices):
            raise BadRecord(f"{where}: answer {answer!r} is not one of the choices {_names(choices)}")
        return index

    stem = question[: choices[0].start()].strip().removesuffix("Choices:").strip()
    if not stem:
        raise BadRecord(f"{where}: the question has no text before its choices")
    options = []
    for i, match in enumerate(choices):
        end = choices[i + 1].start() if i + 1 < len(choices) else len(question)
        text = question[match.end() : end].strip()
        if i + 1 == len(choices):  # the last option is its line; what follows is the question's ("Answer only...")
            text, _, after = text.partition("\n")
            if after := after.strip().removesuffix("Answer:").strip():
                stem = f"{stem}\n\n{after}"
            text = text.strip()
        if not text:
            raise BadRecord(f"{where}: choice {match.group(0).strip()} is empty")
        if problem := own_label(text, i, numbered):
            raise BadRecord(f"{where}: {problem}")
        options.append(text)
    shows, opposes = frozenset(map(option, matching)), frozenset(map(option, opposing))
    return _checked_answers(stem, tuple(options), shows, opposes, where)


def _checked_answers(stem: str, options: tuple[str, ...], shows: frozenset[int], opposes: frozenset[int],
                     where: str) -> Parsed:
    """The parsed item, its answers checked; a missing not-matching answer is the other of exactly two."""
    if shows & opposes:
        raise BadRecord(f"{where}: an answer is both matching and not matching the behaviour")
    if not opposes:
        if len(options) != 2:
            raise BadRecord(f"{where}: 'answer_not_matching_behavior' missing: with {len(options)} choices "
                            "driftlab cannot tell which oppose the behaviour")
        opposes = frozenset({0, 1}) - shows
    return stem, options, shows, opposes
