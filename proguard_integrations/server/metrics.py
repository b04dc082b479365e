"""Prometheus text exposition (format 0.0.4), written by hand to keep the server free of extra deps.

Only what the service needs: counters and gauges with labels, and fixed-bucket histograms.
Updates come from the event loop and from worker threads, so every metric takes a lock; the cost
is a few hundred nanoseconds per request, far below one guard call.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Sequence

LabelValues = tuple[str, ...]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Seconds. Guard calls range from a millisecond (embedded, fake) to seconds (7B on a busy GPU).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: Sequence[str], values: LabelValues, extra: tuple[str, str] | None = None) -> str:
    pairs = [f'{name}="{_escape(value)}"' for name, value in zip(names, values, strict=True)]
    if extra is not None:
        pairs.append(f'{extra[0]}="{extra[1]}"')
    return "{" + ",".join(pairs) + "}" if pairs else ""


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class _Metric:
    kind = ""

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        self.name = name
        self.help = help_text
        self.label_names = tuple(labels)
        self._lock = threading.Lock()

    def _key(self, labels: Sequence[str]) -> LabelValues:
        if len(labels) != len(self.label_names):
            raise ValueError(f"{self.name} takes labels {self.label_names}, got {tuple(labels)}")
        return tuple(str(v) for v in labels)

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]

    def lines(self) -> list[str]:
        raise NotImplementedError


class Counter(_Metric):
    kind = "counter"

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        super().__init__(name, help_text, labels)
        self._values: dict[LabelValues, float] = {}

    def inc(self, *labels: str, amount: float = 1.0) -> None:
        key = self._key(labels)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, *labels: str) -> float:
        with self._lock:
            return self._values.get(self._key(labels), 0.0)

    def lines(self) -> list[str]:
        with self._lock:
            items = sorted(self._values.items())
        return [f"{self.name}{_labels(self.label_names, k)} {_number(v)}" for k, v in items]


class Gauge(_Metric):
    """A value set directly, or read from a callback at scrape time (queue depth)."""

    kind = "gauge"

    def __init__(
        self, name: str, help_text: str, labels: Sequence[str] = (), read: Callable[[], float] | None = None
    ) -> None:
        super().__init__(name, help_text, labels)
        self._values: dict[LabelValues, float] = {}
        self._read = read

    def set(self, value: float, *labels: str) -> None:
        key = self._key(labels)
        with self._lock:
            self._values[key] = value

    def add(self, amount: float, *labels: str) -> None:
        key = self._key(labels)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, *labels: str) -> float:
        if self._read is not None:
            return float(self._read())
        with self._lock:
            return self._values.get(self._key(labels), 0.0)

    def lines(self) -> list[str]:
        if self._read is not None:
            return [f"{self.name} {_number(float(self._read()))}"]
        with self._lock:
            items = sorted(self._values.items())
        return [f"{self.name}{_labels(self.label_names, k)} {_number(v)}" for k, v in items]


class Histogram(_Metric):
    kind = "histogram"

    def __init__(
        self, name: str, help_text: str, buckets: Iterable[float], labels: Sequence[str] = ()
    ) -> None:
        super().__init__(name, help_text, labels)
        self.buckets = tuple(sorted(float(b) for b in buckets))
        if not self.buckets:
            raise ValueError("a histogram needs at least one bucket")
        # Per label set: non-cumulative bucket counts (last one is +Inf), sum.
        self._counts: dict[LabelValues, list[int]] = {}
        self._sums: dict[LabelValues, float] = {}

    def observe(self, value: float, *labels: str) -> None:
        key = self._key(labels)
        index = len(self.buckets)
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                index = i
                break
        with self._lock:
            counts = self._counts.setdefault(key, [0] * (len(self.buckets) + 1))
            counts[index] += 1
            self._sums[key] = self._sums.get(key, 0.0) + value

    def count(self, *labels: str) -> int:
        with self._lock:
            return sum(self._counts.get(self._key(labels), ()))

    def lines(self) -> list[str]:
        with self._lock:
            snapshot = sorted((k, list(c), self._sums[k]) for k, c in self._counts.items())
        out: list[str] = []
        for key, counts, total in snapshot:
            running = 0
            for bound, count in zip((*self.buckets, math.inf), counts, strict=True):
                running += count
                le = ("le", _number(bound))
                out.append(f"{self.name}_bucket{_labels(self.label_names, key, le)} {running}")
            out.append(f"{self.name}_sum{_labels(self.label_names, key)} {_number(total)}")
            out.append(f"{self.name}_count{_labels(self.label_names, key)} {running}")
        return out


class Registry:
    def __init__(self) -> None:
        self._metrics: list[_Metric] = []

    def add(self, metric: _Metric) -> None:
        if any(m.name == metric.name for m in self._metrics):
            raise ValueError(f"metric {metric.name} is already registered")
        self._metrics.append(metric)

    def exposition(self) -> str:
        lines: list[str] = []
        for metric in self._metrics:
            lines += metric.header() + metric.lines()
        return "\n".join(lines) + "\n"


class ServerMetrics:
    """The service's metrics; names follow Prometheus conventions (base units, ``_total``).

    ``on_scrape`` runs before each exposition, to set the gauges read from the batcher's state.
    """

    def __init__(
        self, queue_depth: Callable[[], float] = lambda: 0.0, on_scrape: Callable[[], None] | None = None
    ) -> None:
        self.on_scrape = on_scrape
        self.registry = Registry()
        self.requests = Counter(
            "proguard_requests_total", "HTTP requests by endpoint and status code.", ("endpoint", "status")
        )
        self.latency = Histogram(
            "proguard_request_duration_seconds",
            "Time from request received to response ready.",
            LATENCY_BUCKETS,
            ("endpoint",),
        )
        self.batch_size = Histogram(
            "proguard_batch_size",
            "Inputs per guard acheck_batch call made by the micro-batcher.",
            BATCH_BUCKETS,
        )
        self.batch_latency = Histogram(
            "proguard_batch_duration_seconds", "Duration of one guard acheck_batch call.", LATENCY_BUCKETS
        )
        self.queue_depth = Gauge(
            "proguard_queue_depth",
            "Parts (inputs, or pieces of long ones) waiting in either lane.",
            read=queue_depth,
        )
        self.queued_parts = Gauge("proguard_queued_parts", "Parts waiting, by lane.", ("lane",))
        self.queue_wait = Histogram(
            "proguard_queue_wait_seconds",
            "Time a part waited in its lane before its model call started.",
            LATENCY_BUCKETS,
            ("lane",),
        )
        self.head_wait = Gauge(
            "proguard_queue_head_wait_seconds",
            "How long the part each lane sends next has been waiting (what /healthz judges).",
            ("lane",),
        )
        self.parts_in_flight = Gauge("proguard_parts_in_flight", "Parts in model calls now running.")
        self.long_requests = Gauge("proguard_long_requests", "Requests in progress in the long lane.")
        self.timeouts = Counter(
            "proguard_timeouts_total",
            "Requests answered by the deadline (some input had no verdict).",
            ("lane",),
        )
        self.cancelled_parts = Counter(
            "proguard_cancelled_parts_total",
            "Parts whose request stopped waiting for them (deadline, client gone): 'deadline' and "
            "'abandoned' were dropped from the queue unrun; 'running' were in a model call, which "
            "finishes, and no further part of that request is sent.",
            ("reason",),
        )
        self.in_flight = Gauge("proguard_requests_in_flight", "HTTP requests being served.")
        self.verdicts = Counter(
            "proguard_verdicts_total", "Verdicts returned, by outcome (flagged or not).", ("flagged",)
        )
        self.flagged = Counter(
            "proguard_flagged_total",
            "Flagged verdicts by category id (out-of-taxonomy risks count as 'ood', none as 'none').",
            ("category",),
        )
        self.errors = Counter(
            "proguard_errors_total", "Requests answered with an error body, by error type.", ("type",)
        )
        for metric in (
            self.requests,
            self.latency,
            self.batch_size,
            self.batch_latency,
            self.queue_depth,
            self.queued_parts,
            self.queue_wait,
            self.head_wait,
            self.parts_in_flight,
            self.long_requests,
            self.timeouts,
            self.cancelled_parts,
            self.in_flight,
            self.verdicts,
            self.flagged,
            self.errors,
        ):
            self.registry.add(metric)

    def exposition(self) -> str:
        if self.on_scrape is not None:
            self.on_scrape()
        return self.registry.exposition()


__all__ = ["CONTENT_TYPE", "Counter", "Gauge", "Histogram", "Registry", "ServerMetrics"]
