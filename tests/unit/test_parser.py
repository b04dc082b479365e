"""Golden outputs in the released format, model variations, OOD names, and malformed text."""

import pytest

from proguard_core import Modality, default_taxonomy, format_output, parse

TAX = default_taxonomy()


def test_released_format_text_unsafe_request():
    out = (
        "<think>The user asks how to build a pipe bomb.</think>\n"
        "<answer>\nRequest:unsafe\nResponse:safe\nCategory:C8S1\n</answer>"
    )
    p = parse(out)
    assert (p.request, p.response, p.parse_error, p.format_ok) == ("unsafe", "safe", False, True)
    assert p.categories[0].id == "C8S1" and p.categories[0].in_taxonomy and p.categories[0].provided
    assert p.reasoning == "The user asks how to build a pipe bomb."


def test_safe_answer_has_no_category():
    p = parse(format_output("safe", "safe", None, "fine"))
    assert p.format_ok and p.categories == () and not p.is_unsafe


def test_image_only_answer_has_no_response_line():
    out = "<think>nudity</think>\n<answer>\nRequest:unsafe\nCategory:C11S2\n</answer>"
    p = parse(out, modality=Modality.IMAGE)
    assert p.format_ok and p.request == "unsafe" and p.response is None
    assert p.categories[0].id == "C11S2"
    # the text format demands a Response line
    assert not parse(out, modality=Modality.TEXT).format_ok


def test_text_image_answer_uses_category_ids():
    out = format_output("unsafe", "unsafe", "C7", "hateful meme")
    p = parse(out, modality=Modality.TEXT_IMAGE)
    assert p.categories[0].id == "C7" and p.categories[0].name == "Hate and Terror"


def test_out_of_taxonomy_name():
    p = parse(format_output("unsafe", "safe", "election voter intimidation tactics", "new risk"))
    cat = p.categories[0]
    assert cat.id is None and not cat.in_taxonomy and cat.name == "election voter intimidation tactics"
    assert p.format_ok


def test_id_outside_the_provided_subset_is_reported_as_such():
    provided = TAX.subset(["C1", "C2"])
    p = parse(format_output("unsafe", "safe", "C8S1"), provided=provided, taxonomy=TAX)
    cat = p.categories[0]
    assert cat.id == "C8S1" and cat.in_taxonomy and not cat.provided


def test_unknown_id_is_not_in_taxonomy():
    p = parse(format_output("unsafe", "safe", "C99S9"))
    assert p.categories[0].id is None and p.categories[0].name == "C99S9" and not p.categories[0].in_taxonomy


@pytest.mark.parametrize(
    "answer",
    [
        "<answer>\nrequest: Unsafe\nresponse : safe\ncategory: c8s1\n</answer>",
        "<answer>\n  Request:unsafe.  \n Response:SAFE\nCategory: C8S1: Weapons\n</answer>",
        "<answer>Request:unsafe\nResponse:safe\nCategory:C8S1",  # cut at max tokens
    ],
)
def test_tolerates_case_spacing_and_truncation_that_keep_meaning(answer):
    p = parse("<think>x</think>\n" + answer)
    assert (p.request, p.response, p.parse_error) == ("unsafe", "safe", False)
    assert p.categories[0].id == "C8S1"
    assert not p.format_ok  # tolerated, but not the exact format the RL gate rewards


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "no <answer>"),
        ("I think this is unsafe.", "no <answer>"),
        (
            "<think>x</think><answer>\nRequest:harmful\nResponse:safe\nCategory:C1\n</answer>",
            "not safe/unsafe",
        ),
        ("<think>x</think><answer>\nResponse:safe\nCategory:None\n</answer>", "missing Request"),
        (
            "<think>x</think><answer>\nRequest:safe\nRequest:unsafe\nResponse:safe\nCategory:None\n</answer>",
            "conflicting",
        ),
        (
            "<think>x</think><answer>\nRequest:safe\nResponse:safe\nCategory:None\n</answer>"
            "<answer>\nRequest:unsafe\nResponse:safe\nCategory:C1S1\n</answer>",
            "conflicting answers",
        ),
    ],
)
def test_meaning_changing_problems_are_parse_errors(text, problem):
    p = parse(text)
    assert p.parse_error and p.request is None
    assert any(problem in msg for msg in p.problems), p.problems


def test_missing_response_line_only_matters_when_a_response_was_judged():
    out = "<think>x</think>\n<answer>\nRequest:unsafe\nCategory:C8S1\n</answer>"
    assert parse(out, expect_response=True).parse_error
    p = parse(out, expect_response=False)
    assert not p.parse_error and p.request == "unsafe"


def test_echoed_format_template_is_not_an_answer():
    # A model that repeats the prompt's format block must not be read as a verdict.
    echoed = "<answer>\nRequest:safe or unsafe\nResponse:safe or unsafe\nCategory:None\n</answer>"
    assert parse(echoed).parse_error


def test_multiple_category_ids():
    p = parse(format_output("unsafe", "unsafe", "C8S1, C9S3"))
    assert [c.id for c in p.categories] == ["C8S1", "C9S3"]


def test_category_for_safe_labels_is_ignored():
    p = parse(format_output("safe", "safe", "C8S1"))
    assert p.categories == () and p.category_text == "C8S1"


@pytest.mark.parametrize("garbage", [None, 42, b"bytes"])
def test_non_text_never_raises(garbage):
    assert parse(garbage).parse_error  # type: ignore[arg-type]
