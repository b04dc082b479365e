"""What each framework adapter adds on top of a direct ``guard.check``, per call, in microseconds.

    python benchmarks/bench_adapters.py [--calls 2000] [--repeats 5]

The guard is the fake backend (a fixed "safe" answer), so the figures are pure adapter cost:
converting framework objects, callbacks/tracing plumbing, verdict annotation. Each adapter entry
point is timed on the same kind of input as its baseline (a prompt, or a prompt + reply) and the
baseline is subtracted. The best of ``--repeats`` runs is reported (least disturbed by other
processes). Target: under 1 ms (1000 µs) added per call.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("NEMO_GUARDRAILS_NO_USAGE_STATS", "1")

from proguard_core import Guard, GuardInput
from proguard_core.backends.fake import FakeBackend
from proguard_core.models.generative import GenerativeGuard

PROMPT = "What is a good name for a small grey cat that likes to sleep in the sun?"
REPLY = "How about Pebble, Smokey or Luna? All three suit a sleepy grey cat."


def _run_us(fn: Callable[[], Any], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def paired_us(
    baseline: Callable[[], Any], adapter: Callable[[], Any], calls: int, repeats: int
) -> tuple[float, float]:
    """Best run of each, baseline and adapter runs alternating so both see the same machine load."""
    for _ in range(min(calls, 50)):
        baseline()  # warm caches and lazy imports
        adapter()
    base_runs, adapter_runs = [], []
    for _ in range(repeats):
        base_runs.append(_run_us(baseline, calls))
        adapter_runs.append(_run_us(adapter, calls))
    return min(base_runs), min(adapter_runs)


def async_fn(coro_factory: Callable[[], Any]) -> Callable[[], Any]:
    loop = asyncio.new_event_loop()
    return lambda: loop.run_until_complete(coro_factory())


def cases(guard: Guard) -> list[tuple[str, str, Callable[[], Any]]]:
    """(name, baseline kind, call). Kinds: "prompt" or "pair" (prompt + reply)."""
    out: list[tuple[str, str, Callable[[], Any]]] = []

    from langchain_core.messages import AIMessage, HumanMessage

    from proguard_integrations.langchain import ProGuardCheck, ProGuardMiddleware

    check_in = ProGuardCheck(guard)
    check_out = ProGuardCheck(guard, stage="output")
    annotate_out = ProGuardCheck(guard, stage="output", mode="annotate")
    human, reply = HumanMessage(PROMPT), AIMessage(REPLY)
    out.append(("langchain ProGuardCheck input (str)", "prompt", lambda: check_in.invoke(PROMPT)))
    out.append(("langchain ProGuardCheck input (messages)", "prompt", lambda: check_in.invoke([human])))
    out.append(("langchain ProGuardCheck output (AIMessage)", "reply", lambda: check_out.invoke(reply)))
    out.append(("langchain ProGuardCheck output annotate", "reply", lambda: annotate_out.invoke(reply)))
    middleware = ProGuardMiddleware(guard)
    state_in: Any = {"messages": [human]}
    state_out: Any = {"messages": [human, reply]}
    out.append(
        ("langchain middleware before_model", "prompt", lambda: middleware.before_model(state_in, None))
    )
    out.append(("langchain middleware after_model", "pair", lambda: middleware.after_model(state_out, None)))

    from llama_index.core.base.llms.types import ChatMessage
    from llama_index.core.callbacks.schema import CBEventType, EventPayload
    from llama_index.core.schema import NodeWithScore, TextNode

    from proguard_integrations.llamaindex import ProGuardCallbackHandler, ProGuardNodePostprocessor

    handler = ProGuardCallbackHandler(guard)
    payload: dict[str, Any] = {EventPayload.MESSAGES: [ChatMessage(role="user", content=PROMPT)]}
    counter = iter(range(10**9))

    def llm_start() -> None:
        event_id = f"e{next(counter)}"
        handler.on_event_start(CBEventType.LLM, payload, event_id=event_id)
        handler._prompts.pop(event_id)  # keep the pairing store from growing during the benchmark

    out.append(("llamaindex callback LLM start", "prompt", llm_start))
    postprocessor = ProGuardNodePostprocessor(guard=guard)
    nodes = [NodeWithScore(node=TextNode(text=PROMPT))]
    out.append(
        ("llamaindex postprocessor (1 node)", "prompt", lambda: postprocessor.postprocess_nodes(nodes))
    )

    from proguard_integrations.nemo.actions import bound_actions

    actions = bound_actions(guard)
    context_in = {"user_message": PROMPT}
    context_out = {"user_message": PROMPT, "bot_message": REPLY}
    out.append(
        (
            "nemo proguard_check_input action",
            "aprompt",
            async_fn(lambda: actions["proguard_check_input"](context=context_in)),
        )
    )
    out.append(
        (
            "nemo proguard_check_output action",
            "apair",
            async_fn(lambda: actions["proguard_check_output"](context=context_out)),
        )
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    guard = Guard(GenerativeGuard(FakeBackend()))
    prompt_item = GuardInput(prompt=PROMPT)
    pair_item = GuardInput(prompt=PROMPT, response=REPLY)
    reply_item = GuardInput(response=REPLY)
    baselines: dict[str, Callable[[], Any]] = {
        "prompt": lambda: guard.check(prompt_item),
        "pair": lambda: guard.check(pair_item),
        "reply": lambda: guard.check(reply_item),
        "aprompt": async_fn(lambda: guard.acheck(prompt_item)),
        "apair": async_fn(lambda: guard.acheck(pair_item)),
    }
    print(f"fake-backend guard, {args.calls} calls x {args.repeats} runs, best run; microseconds per call")
    print(f"\n  {'adapter entry point':<44}{'direct':>9}{'adapter':>9}{'added':>9}")
    worst = 0.0
    for name, kind, fn in cases(guard):
        base, total = paired_us(baselines[kind], fn, args.calls, args.repeats)
        added = total - base
        worst = max(worst, added)
        direct = f"guard.{'a' if kind.startswith('a') else ''}check"
        print(f"  {name:<44}{base:9.1f}{total:9.1f}{added:9.1f}   vs {direct}({kind.lstrip('a')})")
    verdict = "OK" if worst < 1000 else "OVER"
    print(f"\n  largest added cost: {worst:.1f} µs per call (target < 1000 µs): {verdict}")


if __name__ == "__main__":
    main()
