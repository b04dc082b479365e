import json
import os
import subprocess
import sys
from collections.abc import Sequence
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import proguard_core.cli as cli
from proguard_core.cli import COMMAND_GROUP, Command, main
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


def test_each_command_is_registered_by_the_package_that_owns_it() -> None:
    installed = cli.registered_commands()
    # pyproject.toml declares these; a stale install needs `pip install -e .` again.
    assert {name: entry.value for name, entry in installed.items()} == {
        "check": "proguard_core.cli:CHECK",
        "eval": "proguard_core.eval.cli:COMMAND",
        "serve": "proguard_integrations.commands:SERVE",
        "train": "training.commands:TRAIN",
    }
    assert all(isinstance(cli.load_command(entry), Command) for entry in installed.values())


def test_overview_lists_every_registered_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "train   train a guard with GRPO" in out and "serve   run the HTTP guard service" in out
    assert main([]) == 2


def _with_entry_points(monkeypatch: pytest.MonkeyPatch, *extra: EntryPoint) -> None:
    real = cli.entry_points(group=COMMAND_GROUP)
    monkeypatch.setattr(cli, "entry_points", lambda group: [*real, *extra])


received: list[list[str]] = []


def _hello(argv: Sequence[str]) -> int:
    received.append(list(argv))
    return 3


HELLO = Command("say hello", _hello)


def test_an_installed_package_can_add_a_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _with_entry_points(
        monkeypatch,
        EntryPoint("hello", f"{__name__}:HELLO", COMMAND_GROUP),
        EntryPoint("broken", "json:dumps", COMMAND_GROUP),
        EntryPoint("check", "json:dumps", COMMAND_GROUP),  # a second 'check' does not replace ours
    )
    assert main(["hello", "a", "--b"]) == 3 and received == [["a", "--b"]]
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "hello   say hello" in out and "check   check a prompt" in out
    assert "broken  (cannot be loaded: TypeError" in out
    assert main(["check", "hi", "--guard", "fake"]) == 0


def test_a_missing_extra_is_named_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    assert main(["serve", "--guard", "fake", "--port", "0"]) == 1
    assert "MissingDependencyError" in (err := capsys.readouterr().err) and "proguard[server]" in err


@pytest.mark.parametrize(("command", "option"), [("train", "--config"), ("serve", "--api-key")])
def test_commands_of_other_packages_run_outside_the_checkout(
    tmp_path: Path, command: str, option: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-m", "proguard_core.cli", command, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert option in result.stdout
