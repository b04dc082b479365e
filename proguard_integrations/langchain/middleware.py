"""``ProGuardMiddleware``: ProGuard checks for agents built with ``langchain.agents.create_agent``.

What it checks mirrors LangChain's ``OpenAIModerationMiddleware``:

* ``check_input``: the newest user message, once, before the model first sees it;
* ``check_output``: each model reply (text and tool-call arguments), judged against that message;
* ``check_tool_results``: tool outputs that arrived since the last model reply.

What it does with unsafe content is ``mode``, in the words every ProGuard adapter uses:

* ``"end"`` (default): the agent stops with a refusal (an unsafe reply is replaced, not kept in
  the history);
* ``"replace"``: the offending message's content becomes the refusal and the agent goes on;
* ``"block"``: raises :class:`GuardViolation`, which carries the verdict;
* ``"annotate"``: nothing is stopped; every checked message gets its verdict in
  ``response_metadata["proguard"]``.

``exit_behavior="error" | "end" | "replace"`` (the ``OpenAIModerationMiddleware`` spelling) still
works, with a DeprecationWarning: ``"error"`` is ``mode="block"``.

The refusal is ``violation_message`` with ``{category}``, ``{category_id}``, ``{categories}``,
``{summary}`` and ``{stage}`` filled in; the verdict itself rides along in the refusal's
``response_metadata["proguard"]``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

from langchain.agents.middleware.types import AgentMiddleware, AgentState, hook_config
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from proguard_core import Guard, GuardInput, GuardViolation, Verdict
from proguard_integrations._shared import (
    DEFAULT_VIOLATION_MESSAGE,
    VERDICT_KEY,
    blocks,
    render_violation,
    resolve_guard,
    resolve_mode,
    verdict_payload,
)
from proguard_integrations.langchain._convert import conversation, reply_input, tool_result

MiddlewareMode = Literal["end", "replace", "block", "annotate"]
ExitBehavior = Literal["error", "end", "replace"]
ViolationStage = Literal["input", "output", "tool"]

# (index of the message in state, stage, what to check)
_Plan = list[tuple[int, ViolationStage, GuardInput]]


class ProGuardMiddleware(AgentMiddleware[AgentState[Any], Any]):
    """Guards an agent's user input, model output and tool results with ProGuard."""

    def __init__(
        self,
        guard: Guard | None = None,
        *,
        check_input: bool = True,
        check_output: bool = True,
        check_tool_results: bool = False,
        mode: MiddlewareMode = "end",
        violation_message: str = DEFAULT_VIOLATION_MESSAGE,
        categories: list[str] | None = None,
        exit_behavior: ExitBehavior | None = None,
    ) -> None:
        super().__init__()
        if exit_behavior is not None:
            warnings.warn(
                "ProGuardMiddleware(exit_behavior=...) is now mode=...: 'error' is 'block', "
                "'end' and 'replace' keep their names",
                DeprecationWarning,
                stacklevel=2,
            )
            mode = "block" if exit_behavior == "error" else exit_behavior
        self.guard = guard
        self.check_input = check_input
        self.check_output = check_output
        self.check_tool_results = check_tool_results
        self.mode = resolve_mode("ProGuardMiddleware", mode, ("end", "replace", "block", "annotate"))
        self.violation_message = violation_message
        self.categories = categories

    @property
    def exit_behavior(self) -> str:
        """The ``OpenAIModerationMiddleware`` name of :attr:`mode` (deprecated)."""
        return "error" if self.mode == "block" else self.mode

    @property
    def name(self) -> str:
        return "ProGuardMiddleware"

    # --- hooks ----------------------------------------------------------------------------------

    @hook_config(can_jump_to=["end"])
    def before_model(self, state: AgentState[Any], runtime: Any) -> dict[str, Any] | None:
        messages: list[BaseMessage] = list(state.get("messages", []))
        plan = self._input_plan(messages)
        if not plan:
            return None
        verdicts = resolve_guard(self.guard).check_batch([p[2] for p in plan], categories=self.categories)
        return self._resolve(messages, plan, verdicts)

    @hook_config(can_jump_to=["end"])
    async def abefore_model(self, state: AgentState[Any], runtime: Any) -> dict[str, Any] | None:
        messages: list[BaseMessage] = list(state.get("messages", []))
        plan = self._input_plan(messages)
        if not plan:
            return None
        verdicts = await resolve_guard(self.guard).acheck_batch(
            [p[2] for p in plan], categories=self.categories
        )
        return self._resolve(messages, plan, verdicts)

    @hook_config(can_jump_to=["end"])
    def after_model(self, state: AgentState[Any], runtime: Any) -> dict[str, Any] | None:
        messages: list[BaseMessage] = list(state.get("messages", []))
        plan = self._output_plan(messages)
        if not plan:
            return None
        verdicts = resolve_guard(self.guard).check_batch([p[2] for p in plan], categories=self.categories)
        return self._resolve(messages, plan, verdicts)

    @hook_config(can_jump_to=["end"])
    async def aafter_model(self, state: AgentState[Any], runtime: Any) -> dict[str, Any] | None:
        messages: list[BaseMessage] = list(state.get("messages", []))
        plan = self._output_plan(messages)
        if not plan:
            return None
        verdicts = await resolve_guard(self.guard).acheck_batch(
            [p[2] for p in plan], categories=self.categories
        )
        return self._resolve(messages, plan, verdicts)

    # --- what to check --------------------------------------------------------------------------

    def _input_plan(self, messages: Sequence[BaseMessage]) -> _Plan:
        last_reply = _last_index(messages, AIMessage)
        plan: _Plan = []
        if self.check_tool_results:
            for i in range(last_reply + 1, len(messages)):
                message = messages[i]
                if isinstance(message, ToolMessage) and (item := tool_result(message)) is not None:
                    plan.append((i, "tool", item))
        if self.check_input:
            last_user = _last_index(messages, HumanMessage)
            # Only a user turn the model has not answered yet: tool loops re-enter before_model
            # and must not pay for the same check again.
            if last_user > last_reply:
                item = conversation(messages[: last_user + 1])
                if item is not None:
                    plan.append((last_user, "input", item))
        return plan

    def _output_plan(self, messages: Sequence[BaseMessage]) -> _Plan:
        if not self.check_output or not messages or not isinstance(messages[-1], AIMessage):
            return []
        # The newest reply only: earlier replies of this agent loop were checked when they came.
        last_user = _last_index(messages, HumanMessage)
        context = conversation(messages[: last_user + 1]) if last_user >= 0 else None
        item = reply_input(messages[-1], context)
        return [(len(messages) - 1, "output", item)] if item is not None else []

    # --- what to do about it --------------------------------------------------------------------

    def _resolve(
        self, messages: list[BaseMessage], plan: _Plan, verdicts: list[Verdict]
    ) -> dict[str, Any] | None:
        if self.mode == "annotate":
            return {
                "messages": [
                    _annotated(messages[i], s, v) for (i, s, _), v in zip(plan, verdicts, strict=True)
                ]
            }
        for (index, stage, _), verdict in zip(plan, verdicts, strict=True):
            if blocks(verdict, stage):
                return self._violation(messages, index, stage, verdict)
        return None

    def _violation(
        self, messages: list[BaseMessage], index: int, stage: ViolationStage, verdict: Verdict
    ) -> dict[str, Any]:
        text = render_violation(self.violation_message, verdict, stage)
        if self.mode == "block":
            raise GuardViolation(verdict, text)
        metadata = {VERDICT_KEY: {**verdict_payload(verdict), "stage": stage}}
        offending = messages[index]
        if self.mode == "end":
            # Reusing the reply's id makes the add_messages reducer replace the unsafe reply.
            reply_id = offending.id if stage == "output" else None
            return {
                "messages": [AIMessage(content=text, id=reply_id, response_metadata=metadata)],
                "jump_to": "end",
            }
        update: dict[str, Any] = {
            "content": text,
            "response_metadata": {**offending.response_metadata, **metadata},
        }
        if isinstance(offending, AIMessage):
            # A replaced reply must not still trigger the tool calls it asked for.
            update.update(tool_calls=[], invalid_tool_calls=[])
        return {"messages": [offending.model_copy(update=update)]}


def _annotated(message: BaseMessage, stage: ViolationStage, verdict: Verdict) -> BaseMessage:
    # The same id makes the add_messages reducer update the message in place.
    payload = {**verdict_payload(verdict), "stage": stage}
    return message.model_copy(
        update={"response_metadata": {**message.response_metadata, VERDICT_KEY: payload}}
    )


def _last_index(messages: Sequence[BaseMessage], kind: type[BaseMessage]) -> int:
    for i in range(len(messages) - 1, -1, -1):
        if isinstance(messages[i], kind):
            return i
    return -1


__all__ = ["ExitBehavior", "MiddlewareMode", "ProGuardMiddleware"]
