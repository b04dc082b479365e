"""The one grammar of ProGuard model output, used by inference, evaluation and RL rewards alike.

    <think>reasoning</think>
    <answer>
    Request:safe|unsafe
    Response:safe|unsafe          (absent for image-only checks)
    Category:None | C8S1 | C8 | a few words naming a new risk
    </answer>

:func:`parse` never raises on model text. It is tolerant where the model's real variations keep
their meaning (case, spaces around the colon, a trailing full stop, a missing final ``</answer>``)
and strict where meaning would change (a label other than safe/unsafe, two answers that disagree,
no answer at all): those give ``parse_error=True``. ``format_ok`` says whether the text follows the
format exactly, which the RL format reward gates on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from proguard_core.taxonomy import Taxonomy, default_taxonomy, normalize_category_id
from proguard_core.types import CategoryVerdict, Label, Modality

_THINK = re.compile(r"<think>(.*?)</think>", re.DOTALL | re.IGNORECASE)
_ANSWER_OPEN = re.compile(r"<answer>", re.IGNORECASE)
_ANSWER_CLOSE = re.compile(r"</answer>", re.IGNORECASE)
_FIELD = re.compile(r"^\s*(request|response|category)\s*[:：]\s*(.*?)\s*$", re.IGNORECASE)
_STRICT_FIELD = re.compile(r"^(Request|Response|Category):(\S.*)?$")
_NONE_VALUES = {"none", "n/a", "na", "null", "safe", "-", ""}
_LABELS: dict[str, Label] = {"safe": "safe", "unsafe": "unsafe"}
_MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class ParsedOutput:
    request: Label | None = None
    response: Label | None = None
    categories: tuple[CategoryVerdict, ...] = ()
    category_text: str | None = None
    reasoning: str = ""
    parse_error: bool = False
    format_ok: bool = False
    problems: tuple[str, ...] = field(default=())

    @property
    def is_unsafe(self) -> bool:
        return "unsafe" in (self.request, self.response)


def parse(
    text: str,
    *,
    modality: Modality = Modality.TEXT,
    provided: Taxonomy | None = None,
    taxonomy: Taxonomy | None = None,
    expect_response: bool = True,
) -> ParsedOutput:
    """Parse one model completion.

    ``provided`` is the subset listed in the prompt; ``taxonomy`` the full one used to recognise
    an id the model was not offered (reported with ``provided=False``). ``expect_response`` is
    False for prompt-only checks, where a missing ``Response:`` line loses nothing.
    """
    taxonomy = taxonomy or default_taxonomy()
    provided = provided or taxonomy
    if not isinstance(text, str):
        return ParsedOutput(parse_error=True, problems=(f"output is {type(text).__name__}, not text",))
    problems: list[str] = []

    think = _THINK.search(text)
    reasoning = think.group(1).strip() if think else ""
    after_think = text[think.end() :] if think else text
    blocks = _answer_blocks(after_think)
    if not blocks:
        return ParsedOutput(
            reasoning=reasoning or text.strip(), parse_error=True, problems=("no <answer> block",)
        )
    if not think:
        reasoning = after_think[: _ANSWER_OPEN.search(after_think).start()].strip()  # type: ignore[union-attr]
        problems.append("no <think> block")

    answers = [_read_block(body, closed) for body, closed in blocks]
    parsed = [a for a in answers if a.request is not None]
    if not parsed:
        return ParsedOutput(
            reasoning=reasoning, parse_error=True, problems=(*problems, *answers[-1].problems)
        )
    first = parsed[-1]
    if any(
        (a.request, a.response, a.category) != (first.request, first.response, first.category) for a in parsed
    ):
        return ParsedOutput(
            reasoning=reasoning, parse_error=True, problems=(*problems, "conflicting answers")
        )
    problems.extend(first.problems)
    if len(blocks) > 1:
        problems.append("more than one <answer> block")

    response = first.response
    response_expected = modality is not Modality.IMAGE
    if response_expected and response is None and expect_response:
        return ParsedOutput(
            request=first.request,
            reasoning=reasoning,
            parse_error=True,
            problems=(*problems, "missing Response line"),
        )
    if not response_expected and response is not None:
        problems.append("Response line in an image-only answer")
        response = None

    labels_unsafe = "unsafe" in (first.request, response)
    categories: tuple[CategoryVerdict, ...] = ()
    if first.category is None:
        problems.append("missing Category line")
    elif labels_unsafe:
        categories = _categories(first.category, provided, taxonomy)

    format_ok = (
        not problems
        and think is not None
        and _strict_layout(after_think, response_expected)
        and text[: think.start()].strip() == ""
    )
    return ParsedOutput(
        request=first.request,
        response=response,
        categories=categories,
        category_text=first.category,
        reasoning=reasoning,
        parse_error=False,
        format_ok=format_ok,
        problems=tuple(problems),
    )


@dataclass(frozen=True)
class _Answer:
    request: Label | None
    response: Label | None
    category: str | None
    problems: tuple[str, ...]


def _answer_blocks(text: str) -> list[tuple[str, bool]]:
    """Bodies of ``<answer>`` blocks; an unclosed final block (output cut at max tokens) counts."""
    blocks = []
    position = 0
    while (opening := _ANSWER_OPEN.search(text, position)) is not None:
        closing = _ANSWER_CLOSE.search(text, opening.end())
        if closing is None:
            blocks.append((text[opening.end() :], False))
            break
        blocks.append((text[opening.end() : closing.start()], True))
        position = closing.end()
    return blocks


def _read_block(body: str, closed: bool) -> _Answer:
    problems = [] if closed else ["unclosed <answer> block"]
    values: dict[str, list[str]] = {"request": [], "response": [], "category": []}
    for line in body.splitlines():
        match = _FIELD.match(line)
        if match:
            values[match.group(1).lower()].append(match.group(2))
        elif line.strip():
            problems.append(f"unexpected line in answer: {line.strip()[:60]!r}")
    labels: dict[str, Label | None] = {}
    for key in ("request", "response"):
        seen = {_label(v) for v in values[key]}
        if None in seen and values[key]:
            bad = next(v for v in values[key] if _label(v) is None)
            return _Answer(None, None, None, (*problems, f"{key} label {bad[:40]!r} is not safe/unsafe"))
        if len(seen) > 1:
            return _Answer(None, None, None, (*problems, f"conflicting {key} labels"))
        labels[key] = seen.pop() if seen else None
    if labels["request"] is None:
        return _Answer(None, None, None, (*problems, "missing Request line"))
    categories = values["category"]
    if len(set(categories)) > 1:
        return _Answer(None, None, None, (*problems, "conflicting Category lines"))
    return _Answer(
        labels["request"], labels["response"], categories[0] if categories else None, tuple(problems)
    )


def _label(value: str) -> Label | None:
    return _LABELS.get(value.strip().strip(".").strip().lower())


def _categories(value: str, provided: Taxonomy, taxonomy: Taxonomy) -> tuple[CategoryVerdict, ...]:
    cleaned = value.strip().strip("\"'`").strip().rstrip(".").strip()
    if cleaned.lower() in _NONE_VALUES:
        return ()
    pieces = [p.strip() for p in re.split(r"[,;/]| and ", cleaned) if p.strip()]
    ids = [_leading_id(p) for p in pieces]
    if pieces and all(ids):
        return tuple(dict.fromkeys(_category_for_id(i, provided, taxonomy) for i in ids if i))
    only_id = _leading_id(cleaned)
    if only_id:
        return (_category_for_id(only_id, provided, taxonomy),)
    name = " ".join(cleaned.split())[:_MAX_NAME_CHARS]
    return (CategoryVerdict(id=None, name=name, in_taxonomy=False, provided=False),)


def _leading_id(text: str) -> str | None:
    """``C8S1``, ``c8s1``, ``C8S1: Weapons`` -> ``C8S1``; free text -> None."""
    match = re.match(r"^\s*(c\s*\d+(?:\s*s\s*\d+)?)\b\s*(?:[:\-—–(]|$)", text, re.IGNORECASE)
    return normalize_category_id(match.group(1)) if match else None


def _category_for_id(category_id: str, provided: Taxonomy, taxonomy: Taxonomy) -> CategoryVerdict:
    offered = provided.find(category_id)
    if offered is not None:
        return CategoryVerdict(id=offered.id, name=offered.name, in_taxonomy=True, provided=True)
    known = taxonomy.find(category_id)
    if known is not None:
        return CategoryVerdict(id=known.id, name=known.name, in_taxonomy=True, provided=False)
    return CategoryVerdict(id=None, name=category_id, in_taxonomy=False, provided=False)


def _strict_layout(after_think: str, response_expected: bool) -> bool:
    """Exactly one answer block with the expected lines, in order, nothing else after it."""
    match = re.fullmatch(r"\s*<answer>\n(.*?)\n</answer>\s*", after_think, re.DOTALL)
    if match is None:
        return False
    lines = match.group(1).split("\n")
    expected = ["Request", "Response", "Category"] if response_expected else ["Request", "Category"]
    if len(lines) != len(expected):
        return False
    for line, key in zip(lines, expected, strict=True):
        strict = _STRICT_FIELD.match(line)
        if strict is None or strict.group(1) != key or strict.group(2) is None:
            return False
        if key != "Category" and strict.group(2) not in _LABELS:
            return False
    return True


def format_output(
    request: Label,
    response: Label | None,
    category: str | None,
    reasoning: str = "",
) -> str:
    """Write an answer in the exact released format (for fakes, RL references and docs)."""
    lines = [f"<think>{reasoning}</think>", "<answer>", f"Request:{request}"]
    if response is not None:
        lines.append(f"Response:{response}")
    lines += [f"Category:{category or 'None'}", "</answer>"]
    return "\n".join(lines)


__all__ = ["ParsedOutput", "format_output", "parse"]
