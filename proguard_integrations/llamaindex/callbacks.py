"""``ProGuardCallbackHandler``: checks LlamaIndex LLM calls and queries through legacy callbacks.

    Settings.callback_manager = CallbackManager([ProGuardCallbackHandler(guard)])

* LLM start (chat or completion): the latest user message or the formatted prompt, with images
  from ``ImageBlock``\\ s; LLM end: the reply, judged against that prompt.
* Query start: the query string; query end: the answer, judged against the query, unless an LLM
  check inside the query already judged that same text; its verdict goes to
  ``Response.metadata["proguard"]``. A query engine built with ``from_args(callback_manager=...)``
  gives its LLM LlamaIndex's ``Settings.callback_manager`` rather than that one, so its LLM calls
  are not seen; the answer is still checked here.

``mode="block"`` raises :class:`proguard_core.GuardViolation` out of ``llm.chat()`` /
``query_engine.query()`` (LlamaIndex lets callback exceptions through). ``mode="annotate"``
never raises; it puts the verdict in ``ChatResponse.message.additional_kwargs["proguard"]``,
``CompletionResponse.additional_kwargs["proguard"]`` and ``Response.metadata["proguard"]``.
Every decision is also dispatched as a ``ProGuardVerdictEvent`` for audit handlers.

Callbacks are synchronous, so in ``achat``/``aquery`` the check blocks the event loop while it
runs, and in streaming calls the reply is checked once the stream has finished (the tokens were
already shown); guard streamed replies at the LLM or with ProGuardCheck in LangChain if that
matters.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Literal

from llama_index.core.base.llms.types import ChatResponse, CompletionResponse
from llama_index.core.callbacks.base_handler import BaseCallbackHandler
from llama_index.core.callbacks.schema import CBEventType, EventPayload

from proguard_core import Guard, GuardInput, GuardViolation, Verdict
from proguard_integrations._shared import (
    VERDICT_KEY,
    BoundedStore,
    blocks,
    resolve_guard,
    resolve_mode,
    verdict_payload,
    with_reply,
)
from proguard_integrations.llamaindex._convert import message_parts, prompt_from_messages
from proguard_integrations.llamaindex.instrumentation import Action, emit

Mode = Literal["block", "annotate"]


class ProGuardCallbackHandler(BaseCallbackHandler):
    """Checks LLM prompts, LLM replies and queries; blocks by raising or annotates."""

    def __init__(
        self,
        guard: Guard | None = None,
        *,
        mode: Mode = "block",
        check_input: bool = True,
        check_output: bool = True,
        check_queries: bool = True,
        categories: list[str] | None = None,
    ) -> None:
        super().__init__(event_starts_to_ignore=[], event_ends_to_ignore=[])
        self.guard = guard
        self.mode = resolve_mode("ProGuardCallbackHandler", mode, ("block", "annotate"))
        self.check_input = check_input
        self.check_output = check_output
        self.check_queries = check_queries
        self.categories = categories
        # Prompt of each open LLM event, for judging its reply; query verdicts until the query ends.
        self._prompts: BoundedStore[str, GuardInput | None] = BoundedStore()
        self._query_verdicts: BoundedStore[str, Verdict] = BoundedStore()
        # A completion event inside an open chat event (chat built on complete, as MockLLM and
        # CustomLLM do) carries the same text; checking it again would double the cost for
        # nothing. LlamaIndex reports no parent for LLM events, so the open chat (its id and the
        # user text checked for it) is tracked per execution context (thread or asyncio task).
        # A completion counts as nested only if its prompt contains that user text, so a chat
        # stream abandoned before its end event cannot exempt later, unrelated completions.
        self._open_chat: ContextVar[tuple[str, str] | None] = ContextVar(
            f"proguard_open_chat_{id(self)}", default=None
        )
        self._nested: BoundedStore[str, bool] = BoundedStore()
        # Open queries (innermost last) in this execution context, and for each the replies its
        # LLM calls were judged on, so the answer is not judged twice.
        self._open_queries: ContextVar[tuple[str, ...]] = ContextVar(
            f"proguard_open_queries_{id(self)}", default=()
        )
        self._query_inputs: BoundedStore[str, GuardInput | None] = BoundedStore()
        self._judged_replies: BoundedStore[str, dict[str, Verdict]] = BoundedStore()

    # --- events ---------------------------------------------------------------------------------

    def on_event_start(
        self,
        event_type: CBEventType,
        payload: dict[str, Any] | None = None,
        event_id: str = "",
        parent_id: str = "",
        **kwargs: Any,
    ) -> str:
        payload = payload or {}
        if event_type == CBEventType.LLM:
            is_chat = bool(payload.get(EventPayload.MESSAGES))
            if not is_chat and self._inside_open_chat(payload):
                self._nested.put(event_id, True)
                return event_id
            item = self._llm_prompt(payload)
            if self.check_input and item is not None:
                self._decide("input", self._check(item))
            self._prompts.put(event_id, item)
            if is_chat:
                self._open_chat.set((event_id, (item.prompt or "") if item is not None else ""))
        elif event_type == CBEventType.QUERY:
            query = payload.get(EventPayload.QUERY_STR)
            item = GuardInput(prompt=query) if isinstance(query, str) and query.strip() else None
            self._query_inputs.put(event_id, item)
            self._judged_replies.put(event_id, {})
            self._open_queries.set((*self._open_queries.get(), event_id))
            if item is not None and self.check_queries:
                verdict = self._check(item)
                self._query_verdicts.put(event_id, verdict)
                self._decide("query", verdict)
        return event_id

    def on_event_end(
        self,
        event_type: CBEventType,
        payload: dict[str, Any] | None = None,
        event_id: str = "",
        **kwargs: Any,
    ) -> None:
        payload = payload or {}
        if event_type == CBEventType.LLM:
            if self._nested.pop(event_id):
                return
            open_chat = self._open_chat.get()
            if open_chat is not None and open_chat[0] == event_id:
                self._open_chat.set(None)
            context = self._prompts.pop(event_id)
            if not self.check_output:
                return
            response = payload.get(EventPayload.RESPONSE)
            completion = payload.get(EventPayload.COMPLETION)
            if isinstance(response, ChatResponse):
                text, images = message_parts(response.message)
                target: dict[str, Any] = response.message.additional_kwargs
            elif isinstance(completion, CompletionResponse):
                text, images, target = completion.text or "", [], completion.additional_kwargs
            else:
                return
            item = with_reply(context, text, images)
            if item is None:
                return
            verdict = self._check(item)
            open_queries = self._open_queries.get()
            judged = self._judged_replies.get(open_queries[-1]) if open_queries else None
            if judged is not None:
                judged[text.strip()] = verdict
            if self.mode == "annotate":
                target[VERDICT_KEY] = verdict_payload(verdict)
            self._decide("output", verdict)
        elif event_type == CBEventType.QUERY:
            self._end_query(event_id, payload.get(EventPayload.RESPONSE))

    def start_trace(self, trace_id: str | None = None) -> None:
        return None

    def end_trace(self, trace_id: str | None = None, trace_map: dict[str, list[str]] | None = None) -> None:
        return None

    def _end_query(self, event_id: str, response: Any) -> None:
        open_queries = self._open_queries.get()
        if event_id in open_queries:
            self._open_queries.set(tuple(q for q in open_queries if q != event_id))
        verdict = self._query_verdicts.pop(event_id)
        query = self._query_inputs.pop(event_id)
        judged = self._judged_replies.pop(event_id) or {}
        # A streaming response has no text yet; its LLM calls are where it is checked.
        answer = getattr(response, "response", None)
        item = with_reply(query, answer) if self.check_output and isinstance(answer, str) else None
        if item is not None:
            verdict = judged.get(answer.strip()) if isinstance(answer, str) else None
            if verdict is None:
                verdict = self._check(item)
                self._decide("output", verdict)
        if verdict is not None and hasattr(response, "metadata"):
            response.metadata = {**(response.metadata or {}), VERDICT_KEY: verdict_payload(verdict)}

    # --- helpers --------------------------------------------------------------------------------

    def _inside_open_chat(self, payload: dict[str, Any]) -> bool:
        open_chat = self._open_chat.get()
        if open_chat is None:
            return False
        prompt = payload.get(EventPayload.PROMPT)
        return isinstance(prompt, str) and open_chat[1] in prompt

    def _llm_prompt(self, payload: dict[str, Any]) -> GuardInput | None:
        messages = payload.get(EventPayload.MESSAGES)
        if messages:
            return prompt_from_messages(messages)
        prompt = payload.get(EventPayload.PROMPT)
        if isinstance(prompt, str) and prompt.strip():
            return GuardInput(prompt=prompt)
        return None

    def _check(self, item: GuardInput) -> Verdict:
        return resolve_guard(self.guard).check(item, categories=self.categories)

    def _decide(self, stage: str, verdict: Verdict) -> None:
        blocking = self.mode == "block" and blocks(verdict, stage)
        action: Action = "blocked" if blocking else "annotated" if self.mode == "annotate" else "allowed"
        emit("callback", stage, action, verdict)
        if blocking:
            raise GuardViolation(verdict, f"ProGuard blocked the {stage}: {verdict.summary()}")


__all__ = ["Mode", "ProGuardCallbackHandler"]
