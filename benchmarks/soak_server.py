"""Soak test for ``proguard serve``: steady load for minutes while the server's memory is sampled.

    python benchmarks/soak_server.py                                  # embedded guard, 5 minutes
    python benchmarks/soak_server.py --guard fake-keyword --duration-s 60 --png soak.png
    python benchmarks/soak_server.py --duration-s 1800 --requests 100000 --concurrency 64   # 30 minutes

Starts the server in a subprocess on 127.0.0.1 (or uses ``--url`` with ``--pid`` of a local
server), keeps ``--concurrency`` requests in flight for ``--duration-s`` seconds, samples the
server's resident memory every ``--sample-s`` seconds from /proc, prints the series summary
(start, end, max, growth after warm-up) and writes a PNG of memory and throughput over time.
With ``--requests`` the run sends that many, spread evenly over the duration (``--rps`` is then
requests / duration unless given), and fails unless every one was answered once, with its own
id and the verdict its prompt gets alone. ``--large-clients`` adds clients sending
``--large-chars`` texts back to back, so memory is watched while large requests come and go.
Memory is called flat when it grew less than ``--flat-mb`` after warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from load_server import (
    free_port,
    harmless_text,
    load_average,
    post_text,
    run_load,
    start_server,
    stop_server,
    wait_ready,
)


def rss_mb(pid: int) -> float | None:
    """Resident memory of ``pid`` and its children (uvicorn runs in one process; be general)."""
    total_kb = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            if one == pid:
                return None
    return total_kb / 1024


def summarise(samples: list[tuple[float, float]], warmup_s: float) -> dict[str, Any]:
    if not samples:
        return {}
    values = [mb for _, mb in samples]
    settled = [(t, mb) for t, mb in samples if t >= warmup_s] or samples
    slope = _slope(settled)
    return {
        "samples": len(samples),
        "start_mb": round(values[0], 1),
        "after_warmup_mb": round(settled[0][1], 1),
        "end_mb": round(values[-1], 1),
        "max_mb": round(max(values), 1),
        "growth_after_warmup_mb": round(settled[-1][1] - settled[0][1], 1),
        "slope_mb_per_min_after_warmup": round(60 * slope, 2),
    }


def _slope(points: Sequence[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return sum((t - mean_t) * (y - mean_y) for t, y in points) / var if var else 0.0


def plot(samples: list[tuple[float, float]], rate: list[tuple[float, float]], path: Path, title: str) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no PNG written", file=sys.stderr)
        return False
    figure, memory_axis = plt.subplots(figsize=(9, 4.5))
    memory_axis.plot([t for t, _ in samples], [mb for _, mb in samples], color="tab:blue", marker=".")
    memory_axis.set_xlabel("seconds")
    memory_axis.set_ylabel("server RSS (MiB)", color="tab:blue")
    low = min(mb for _, mb in samples)
    memory_axis.set_ylim(bottom=max(0.0, low - 50), top=max(mb for _, mb in samples) + 50)
    rate_axis = memory_axis.twinx()
    rate_axis.plot([t for t, _ in rate], [r for _, r in rate], color="tab:orange", alpha=0.7)
    rate_axis.set_ylabel("requests/s", color="tab:orange")
    rate_axis.set_ylim(bottom=0)
    memory_axis.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


async def soak(
    url: str,
    pid: int | None,
    *,
    duration_s: float,
    sample_s: float,
    concurrency: int,
    endpoint: str,
    api_key: str | None,
    rate_per_s: float | None = None,
    requests: int | None = None,
    large_clients: int = 0,
    large_chars: int = 50_000,
) -> tuple[dict[str, Any], list[tuple[float, float]], list[tuple[float, float]]]:
    samples: list[tuple[float, float]] = []
    rate: list[tuple[float, float]] = []
    done = 0
    start = time.monotonic()

    def count(status: int, elapsed: float) -> None:
        nonlocal done
        done += 1

    async def sampler() -> None:
        last_done, last_t = 0, start
        while True:
            now = time.monotonic()
            if pid is not None:
                mb = rss_mb(pid)
                if mb is not None:
                    samples.append((now - start, mb))
            if now > last_t:
                rate.append((now - start, (done - last_done) / (now - last_t)))
            last_done, last_t = done, now
            if now - start >= duration_s + 1:
                return
            await asyncio.sleep(sample_s)

    large: collections.Counter[str] = collections.Counter()
    stop = asyncio.Event()

    async def large_client(seed: int) -> None:
        body = json.dumps({"prompt": harmless_text(large_chars, seed=seed)}).encode()
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as client:
            while not stop.is_set():
                status, _, policy = await post_text(client, body)
                large[status if policy is None else f"{status} {policy}"] += 1
                await asyncio.sleep(0.5)

    sampling = asyncio.create_task(sampler())
    senders = [asyncio.create_task(large_client(i)) for i in range(large_clients)]
    results = await run_load(
        url,
        requests=requests or 10**12,
        concurrency=concurrency,
        endpoint=endpoint,
        api_key=api_key,
        # A fixed count is paced over the duration: give its last requests time to go out.
        max_seconds=duration_s if requests is None else duration_s + max(60.0, duration_s / 10),
        timeout_s=60.0,
        on_result=count,
        rate_per_s=rate_per_s,
    )
    sampling.cancel()
    stop.set()
    await asyncio.gather(*senders)
    if pid is not None and (mb := rss_mb(pid)) is not None:
        samples.append((time.monotonic() - start, mb))
    summary = results.summary()
    if large_clients:
        summary["large_requests"] = dict(large)
    return summary, samples, rate[1:]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="an existing local server (give --pid to sample its memory)")
    parser.add_argument("--pid", type=int, help="process id of the server at --url")
    parser.add_argument(
        "--guard", default="embedded", help="guard spec for the local server, or fake-keyword"
    )
    parser.add_argument("--duration-s", type=float, default=300.0)
    parser.add_argument("--sample-s", type=float, default=5.0)
    parser.add_argument("--warmup-s", type=float, default=30.0, help="memory growth is judged after this")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", type=int, help="send this many, spread over --duration-s")
    parser.add_argument("--rps", type=float, help="steady request rate instead of as fast as possible")
    parser.add_argument("--large-clients", type=int, default=0, help="clients sending large texts too")
    parser.add_argument("--large-chars", type=int, default=50_000)
    parser.add_argument("--flat-mb", type=float, default=30.0, help="most growth after warm-up called flat")
    parser.add_argument("--endpoint", choices=("/v1/check", "/v1/moderations"), default="/v1/moderations")
    parser.add_argument("--api-key", default=os.environ.get("PROGUARD_API_KEY"))
    parser.add_argument("--server-arg", action="append", default=[])
    parser.add_argument("--png", type=Path, default=Path("soak_server.png"))
    parser.add_argument("--out", type=Path, help="write the summary and series as JSON here")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.requests and not args.rps:
        args.rps = args.requests / args.duration_s

    process = None
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"proguard-soak-server-{os.getpid()}.log"
    if args.url:
        url, pid, label = args.url.rstrip("/"), args.pid, f"existing server {args.url}"
    else:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        extra = list(args.server_arg) + (["--api-key", args.api_key] if args.api_key else [])
        process = start_server(args.guard, port, extra, log)
        pid, label = process.pid, f"local server, guard={args.guard}"
    try:
        wait_ready(url, process, 300.0, log if process else None)
        print(f"soak: {args.duration_s:.0f} s at concurrency {args.concurrency}, {args.endpoint}, {label}")
        load, samples, rate = asyncio.run(
            soak(
                url,
                pid,
                duration_s=args.duration_s,
                sample_s=args.sample_s,
                concurrency=args.concurrency,
                endpoint=args.endpoint,
                api_key=args.api_key,
                rate_per_s=args.rps,
                requests=args.requests,
                large_clients=args.large_clients,
                large_chars=args.large_chars,
            )
        )
    finally:
        if process is not None:
            print(f"server exit code after SIGTERM: {stop_server(process)}")
    memory = summarise(samples, args.warmup_s)
    if memory:
        memory["flat"] = memory["growth_after_warmup_mb"] <= args.flat_mb
    summary = {
        "target": label,
        "duration_s": args.duration_s,
        "rps_target": args.rps,
        "memory": memory,
        "load": load,
    }
    summary["load_average_after"] = load_average()
    print(json.dumps(summary, indent=2))
    if samples and plot(samples, rate, args.png, f"ProGuard server soak ({label})"):
        print(f"wrote {args.png}")
    if args.out:
        args.out.write_text(
            json.dumps({**summary, "rss_series": samples, "rate_series": rate}, indent=2) + "\n"
        )
    keys = ("server_errors_5xx", "lost", "answered_twice", "request_id_mismatch", "verdict_mismatch")
    clean = all(load.get(key, 1) == 0 for key in keys)
    complete = args.requests is None or load.get("responses") == args.requests
    print(f"clean: {clean}, all {args.requests} answered: {complete}, memory flat: {memory.get('flat')}")
    return 0 if clean and complete and memory.get("flat", True) else 1


if __name__ == "__main__":
    sys.exit(main())
