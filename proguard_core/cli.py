"""``proguard`` command line: check, eval, serve, train.

Each subcommand owns its arguments in its own module, loaded only when used, so ``proguard check``
never imports the training or server stacks.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from proguard_core.errors import InputError, ProGuardError

# subcommand -> (module with ``main(argv) -> int``, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "check": ("proguard_core.cli", "check a prompt, response and/or images; print the verdict"),
    "eval": ("proguard_core.eval.cli", "score a guard on safety benchmarks (paper-style table)"),
    "serve": ("proguard_integrations.server.cli", "run the HTTP guard service"),
    "train": ("training.train_grpo", "train a guard with GRPO (TRL)"),
}

EXIT_OK, EXIT_RUNTIME_ERROR, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(_overview())
        return EXIT_OK if args else EXIT_USAGE
    if args[0] in ("-V", "--version"):
        from proguard_core import __version__

        print(__version__)
        return EXIT_OK
    command, rest = args[0], args[1:]
    if command not in SUBCOMMANDS:
        print(f"proguard: unknown command {command!r}\n\n{_overview()}", file=sys.stderr)
        return EXIT_USAGE
    if command == "check":
        return check_main(rest)
    if command == "train":
        _add_checkout_to_path()
    module = importlib.import_module(SUBCOMMANDS[command][0])
    return int(module.main(rest))


def _add_checkout_to_path() -> None:
    """``training/`` lives in the repository, not in the installed package: import it from the checkout."""
    root = Path(__file__).resolve().parents[1]
    if (root / "training" / "train_grpo.py").is_file() and str(root) not in sys.path:
        sys.path.insert(0, str(root))


def _overview() -> str:
    lines = ["usage: proguard COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:<7} {help_text}" for name, (_, help_text) in SUBCOMMANDS.items()]
    lines += ["", "Run 'proguard COMMAND --help' for a command's options."]
    return "\n".join(lines)


def add_guard_arguments(parser: argparse.ArgumentParser) -> None:
    """``--guard SPEC`` or ``--backend B --model M``: shared by check, eval and serve."""
    parser.add_argument(
        "--guard", help="guard spec: embedded (default), transformers:PATH, openai:MODEL@URL, fake"
    )
    parser.add_argument("--backend", help="backend name (transformers, vllm, openai, embedded)")
    parser.add_argument("--model", help="model directory or hub id for the backend")
    parser.add_argument("--base-url", help="server URL for --backend openai")
    parser.add_argument(
        "--guard-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="backend option, repeatable; VALUE is read as JSON when it parses (32, true, 1.5), "
        "else as text: --guard-option max_concurrency=32",
    )
    parser.add_argument(
        "--on-error",
        choices=("block", "allow", "raise"),
        default="block",
        help="what to do when the guard cannot decide (default: block)",
    )


def guard_from_arguments(args: argparse.Namespace) -> object:
    from proguard_core.guard import Policy, load_guard

    policy = Policy(on_error=args.on_error, on_parse_error=args.on_error)
    options = guard_options(args.guard_option)
    if args.guard:
        return load_guard(args.guard, policy=policy, **options)
    if args.base_url:
        options["base_url"] = args.base_url
    return load_guard(backend=args.backend, model=args.model, policy=policy, **options)


def guard_options(pairs: Sequence[str]) -> dict[str, Any]:
    """``["max_concurrency=32", "api_key=sk-1"]`` -> ``{"max_concurrency": 32, "api_key": "sk-1"}``."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise InputError(f"--guard-option {pair!r}: expected KEY=VALUE with KEY a Python name")
        try:
            options[key] = json.loads(raw)
        except json.JSONDecodeError:
            options[key] = raw
    return options


def check_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="proguard check", description="Check one turn and print the verdict."
    )
    parser.add_argument("text", nargs="?", help="the user prompt ('-' reads standard input)")
    parser.add_argument("--response", help="the model response to judge with the prompt")
    parser.add_argument("--image", action="append", default=[], help="image file (repeatable)")
    parser.add_argument("--categories", help="comma-separated provided category ids, e.g. C1,C8")
    parser.add_argument("--json", action="store_true", help="print the full Verdict as JSON")
    add_guard_arguments(parser)
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    text = sys.stdin.read() if args.text == "-" else args.text
    if not text and not args.response and not args.image:
        parser.print_usage(sys.stderr)
        print("proguard check: give TEXT, --response or --image", file=sys.stderr)
        return EXIT_USAGE
    categories = [c.strip() for c in args.categories.split(",") if c.strip()] if args.categories else None
    try:
        guard = guard_from_arguments(args)
        verdict = guard.check(text or None, args.response, images=args.image, categories=categories)  # type: ignore[attr-defined]
    except ProGuardError as exc:
        print(f"proguard check: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, InputError) else EXIT_RUNTIME_ERROR
    if args.json:
        print(json.dumps(verdict.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        print(verdict.summary())
        if verdict.reasoning:
            print(f"  why: {verdict.reasoning}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
