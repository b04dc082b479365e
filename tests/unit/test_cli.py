import json
import subprocess
import sys

import pytest

from proguard_core.cli import main
from tests.unit.images_util import png_bytes


def test_check_prints_json_verdict(capsys):
    assert main(["check", "hello there", "--guard", "fake", "--json"]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["safe"] is True and verdict["model"] == "fake"


def test_check_with_response_image_and_categories(tmp_path, capsys):
    image = tmp_path / "x.png"
    image.write_bytes(png_bytes())
    code = main(
        [
            "check",
            "what is this",
            "--response",
            "a square",
            "--image",
            str(image),
            "--image",
            str(image),
            "--categories",
            "C1,C8",
            "--guard",
            "fake",
            "--json",
        ]
    )
    verdict = json.loads(capsys.readouterr().out)
    assert code == 0 and verdict["parts"] == 2 and verdict["modality"] == "text_image"


def test_exit_status_is_zero_for_unsafe_verdicts(capsys, monkeypatch):
    import proguard_core.guard as guard_module
    from proguard_core import format_output

    real = guard_module.load_guard
    monkeypatch.setattr(
        guard_module,
        "load_guard",
        lambda *a, **k: real(backend="fake", outputs=[format_output("unsafe", "safe", "C8S1")]),
    )
    assert main(["check", "bomb", "--guard", "fake"]) == 0
    assert capsys.readouterr().out.startswith("unsafe (request) C8S1 Weapons")


@pytest.mark.parametrize(
    "argv",
    [
        ["check"],
        ["check", "x", "--guard", "nonsense:thing"],
        ["check", "x", "--guard", "fake", "--categories", "C99"],
        ["check", "x", "--guard", "fake", "--image", "missing.png"],
        ["check", "--bogus-flag"],
        ["check", "x", "--guard", "fake", "--guard-option", "no-equals-sign"],
        ["check", "x", "--guard", "fake", "--guard-option", "bogus=1"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_non_zero(argv, capsys):
    assert main(argv) == 2
    assert capsys.readouterr().err


def test_installed_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "proguard_core.cli", "check", "hi", "--guard", "fake"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("safe")


def test_guard_options_are_read_as_json_when_they_parse():
    from proguard_core.cli import guard_options

    assert guard_options(["max_concurrency=32", "api_key=sk-1", 'extra_body={"top_k": 1}']) == {
        "max_concurrency": 32,
        "api_key": "sk-1",
        "extra_body": {"top_k": 1},
    }


def test_guard_option_reaches_the_backend(capsys):
    from proguard_core import format_output

    scripted = json.dumps([format_output("unsafe", "safe", "C8S1", "weapons")])
    main(["check", "hi", "--guard", "fake", "--guard-option", f"outputs={scripted}", "--json"])
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["safe"] is False and "C8S1" in json.dumps(verdict["categories"])
