"""Model output is untrusted too: ``parse`` must return, never raise, whatever text it gets."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proguard_core import Modality, default_taxonomy, format_output, parse
from proguard_core.types import Label

_TAXONOMY = default_taxonomy()
_PIECES = st.sampled_from(
    [
        "<think>",
        "</think>",
        "<answer>",
        "</answer>",
        "<ANSWER>",
        "\n",
        " ",
        "Request:",
        "Response:",
        "Category:",
        "request :",
        "safe",
        "unsafe",
        "Safe.",
        "UNSAFE",
        "None",
        "C8S1",
        "C8",
        "C99S9",
        "c 8 s 1",
        "C8S1, C4",
        "C8S1 and",
        "Weapons",
        "：",
        ":",
        ",",
        ";",
        "/",
        "-",
        "—",
        "\x00",
        "\u200b",
        "\ud800",
        "<think><think>",
        "</answer></answer>",
        "<answer>\nRequest:safe\n</answer>",
        "Category:" + "x" * 500,
    ]
)
_OUTPUTS = st.one_of(
    st.text(max_size=300), st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=40).map("".join)
)
_SUBSETS = st.lists(
    st.sampled_from(["C1", "C4", "C8", "C8S1", "C9S1", "C11"]), min_size=1, max_size=3, unique=True
)


@settings(max_examples=1500, deadline=None)
@given(
    text=_OUTPUTS, modality=st.sampled_from(list(Modality)), expect_response=st.booleans(), subset=_SUBSETS
)
def test_parse_never_raises_and_stays_consistent(
    text: str, modality: Modality, expect_response: bool, subset: list[str]
) -> None:
    parsed = parse(
        text,
        modality=modality,
        provided=_TAXONOMY.subset(subset),
        taxonomy=_TAXONOMY,
        expect_response=expect_response,
    )
    assert parsed.request in (None, "safe", "unsafe")
    assert parsed.response in (None, "safe", "unsafe")
    if parsed.parse_error:
        assert not parsed.format_ok and not parsed.categories
    if parsed.categories:
        assert parsed.is_unsafe
    if modality is Modality.IMAGE:
        assert parsed.response is None
    for category in parsed.categories:
        assert len(category.name) <= 200
        assert category.in_taxonomy == (category.id is not None and category.id in _TAXONOMY)


@given(
    text=st.one_of(
        st.none(), st.integers(), st.binary(max_size=20), st.lists(st.text(max_size=3), max_size=3)
    )
)
def test_parse_takes_non_text_without_raising(text: object) -> None:
    parsed = parse(text)  # type: ignore[arg-type]
    assert parsed.parse_error


_LABEL = st.sampled_from(["safe", "unsafe"])


@settings(max_examples=300, deadline=None)
@given(
    request=_LABEL,
    response=_LABEL,
    category=st.sampled_from(list(_TAXONOMY.ids)),
    reasoning=st.text(max_size=80),
)
def test_well_formed_output_round_trips(
    request: Label, response: Label, category: str, reasoning: str
) -> None:
    unsafe = "unsafe" in (request, response)
    # Reasoning that closes the think block early is the model's problem, not a round-trip case.
    reasoning = reasoning.replace("<", "(").replace(">", ")")
    parsed = parse(format_output(request, response, category if unsafe else None, reasoning))
    assert not parsed.parse_error and parsed.format_ok
    assert (parsed.request, parsed.response) == (request, response)
    assert [c.id for c in parsed.categories] == ([category] if unsafe else [])
