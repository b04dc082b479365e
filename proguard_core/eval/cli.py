"""``proguard eval``: score a guard on benchmarks and user files; print the table, write the results.

    proguard eval --guard embedded --benchmark eval --out runs/embedded
    proguard eval --guard fake --benchmark xstest,harmbench --limit 50 --out runs/smoke
    proguard eval --guard openai:ProGuard-7B@http://127.0.0.1:8000/v1 --file my.jsonl --out runs/mine

``--benchmark`` takes names, or ``eval`` / ``train`` / ``all`` for a whole pool.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from proguard_core.cli import (
    EXIT_OK,
    EXIT_RUNTIME_ERROR,
    EXIT_USAGE,
    Command,
    add_guard_arguments,
    guard_from_arguments,
)
from proguard_core.errors import InputError, MissingDependencyError, ProGuardError


def build_parser() -> argparse.ArgumentParser:
    from proguard_core.sources import GROUPS, SOURCES

    names = ", ".join([*GROUPS, *SOURCES])
    parser = argparse.ArgumentParser(
        prog="proguard eval",
        description="Score a guard on safety benchmarks: F1 (unsafe positive), safe-flag rate, category "
        "accuracy and OOD metrics. Prints a table; writes results.json, predictions.jsonl and a plot.",
    )
    add_guard_arguments(parser)
    parser.add_argument(
        "--benchmark", action="append", default=[], metavar="NAME[,NAME...]", help=f"benchmarks: {names}"
    )
    parser.add_argument(
        "--file",
        action="append",
        default=[],
        type=Path,
        help="a user benchmark (.jsonl or .csv), named after the file stem; repeatable",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder with the benchmark data (default: $PROGUARD_BENCHMARKS, else ../shared/benchmarks)",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--limit", type=int, help="at most N rows per benchmark (a fixed-seed random sample)")
    parser.add_argument("--seed", type=int, default=0, help="seed for --limit sampling (default 0)")
    parser.add_argument(
        "--batch-size", type=int, default=32, help="items per guard.check_batch call (default 32)"
    )
    parser.add_argument("--no-ood", action="store_true", help="skip the category-held-out OOD pass")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the PNG plot")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not args.benchmark and not args.file:
        parser.print_usage(sys.stderr)
        print("proguard eval: give --benchmark and/or --file", file=sys.stderr)
        return EXIT_USAGE
    if args.limit is not None and args.limit < 1:
        print("proguard eval: --limit must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.batch_size < 1:
        print("proguard eval: --batch-size must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        return _run(args)
    except ProGuardError as exc:
        print(f"proguard eval: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, InputError) else EXIT_RUNTIME_ERROR


def _run(args: argparse.Namespace) -> int:
    from proguard_core.eval import report
    from proguard_core.eval.loaders import load_file
    from proguard_core.eval.runner import evaluate
    from proguard_core.guard import Guard
    from proguard_core.sources import DataFileError, Row, data_dir, expand_names, load

    # Load all data before building the guard: a typo in a name should not cost a model load.
    names = expand_names(part for value in args.benchmark for part in value.split(","))
    data: dict[str, list[Row]] = {
        name: load(name, args.data_dir, limit=args.limit, seed=args.seed) for name in names
    }
    for path in args.file:
        rows = load_file(path, limit=args.limit)
        if rows[0].benchmark in data:
            raise DataFileError(
                f"benchmark name {rows[0].benchmark!r} is already taken; rename the file", path
            )
        data[rows[0].benchmark] = rows

    guard = guard_from_arguments(args)
    assert isinstance(guard, Guard)
    # The guard's own batch (model calls) follows --batch-size so one flag sets throughput.
    guard.max_batch_size = args.batch_size
    spec = args.guard or (f"{args.backend}:{args.model}" if args.backend else "embedded")
    try:
        run = evaluate(
            guard,
            data,
            guard_spec=spec,
            batch_size=args.batch_size,
            ood=not args.no_ood,
            show_progress=not args.quiet,
        )
    finally:
        guard.close()

    print(report.format_table(run))
    settings = {
        "benchmarks": list(data),
        "files": [str(p) for p in args.file],
        "data_dir": str(data_dir(args.data_dir)),
        "limit": args.limit,
        "seed": args.seed,
        "batch_size": args.batch_size,
        "ood": not args.no_ood,
        "on_error": args.on_error,
    }
    written = [
        report.write_results(run, args.out, settings=settings),
        report.write_predictions(run, args.out),
    ]
    if not args.no_plot:
        try:
            written.append(
                report.plot(run.benchmarks, args.out / report.PLOT_FILE, title=f"{spec} ({run.model})")
            )
        except MissingDependencyError as exc:
            print(f"proguard eval: no plot: {exc}", file=sys.stderr)
    print("wrote " + ", ".join(str(p) for p in written), file=sys.stderr)
    return EXIT_OK


COMMAND = Command("score a guard on safety benchmarks (paper-style table)", main)


if __name__ == "__main__":
    sys.exit(main())
