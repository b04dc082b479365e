"""``proguard`` command line: check, eval, serve, train, and whatever else is installed.

Each package registers its own subcommands under the ``proguard.commands`` entry-point group
(pyproject.toml): this one ``check`` and ``eval``, ``proguard_integrations`` ``serve``, ``training``
``train``. An entry point names a :class:`Command`; loading one stays cheap because a command
imports its own stack only when it runs, so ``proguard check`` never imports the training or
server stacks, and this package imports nothing from the packages above it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from proguard_core.engines import ENGINES, spec_forms
from proguard_core.errors import InputError, ProGuardError

COMMAND_GROUP = "proguard.commands"
EXIT_OK, EXIT_RUNTIME_ERROR, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class Command:
    """A ``proguard`` subcommand, as a package registers it under :data:`COMMAND_GROUP`."""

    help: str
    # ``run(argv)`` gets the arguments after the command's name and returns the exit status.
    run: Callable[[Sequence[str]], int]


def registered_commands() -> dict[str, EntryPoint]:
    """Command name -> its entry point, by name; the first of two with one name wins."""
    found: dict[str, EntryPoint] = {}
    for entry in entry_points(group=COMMAND_GROUP):
        found.setdefault(entry.name, entry)
    return dict(sorted(found.items()))


def load_command(entry: EntryPoint) -> Command:
    command = entry.load()
    if not isinstance(command, Command):
        raise TypeError(
            f"entry point {entry.name} = {entry.value!r} in {COMMAND_GROUP!r} "
            "is not a proguard_core.cli.Command"
        )
    return command


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(_overview())
        return EXIT_OK if args else EXIT_USAGE
    if args[0] in ("-V", "--version"):
        from proguard_core import __version__

        print(__version__)
        return EXIT_OK
    name, rest = args[0], args[1:]
    entry = registered_commands().get(name)
    if entry is None:
        print(f"proguard: unknown command {name!r}\n\n{_overview()}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return int(load_command(entry).run(rest))
    except ProGuardError as exc:  # a missing extra, above all: say which one, not a traceback
        print(f"proguard {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, InputError) else EXIT_RUNTIME_ERROR


def _overview() -> str:
    commands = registered_commands()
    lines = ["usage: proguard COMMAND [ARGS]", "", "commands:"]
    for name, entry in commands.items():
        try:
            help_text = load_command(entry).help
        except Exception as exc:  # one broken package must not hide the other commands
            help_text = f"(cannot be loaded: {type(exc).__name__}: {exc})"
        lines.append(f"  {name:<7} {help_text}")
    if not commands:
        lines.append(f"  none: no installed package registers {COMMAND_GROUP!r} (pip install -e .)")
    lines += ["", "Run 'proguard COMMAND --help' for a command's options."]
    return "\n".join(lines)


def add_guard_arguments(parser: argparse.ArgumentParser) -> None:
    """``--guard SPEC`` or ``--backend B --model M``: shared by check, eval and serve."""
    parser.add_argument("--guard", help=f"guard spec: {spec_forms()} (default: embedded)")
    parser.add_argument("--backend", help=f"backend name ({', '.join(ENGINES)})")
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


CHECK = Command("check a prompt, response and/or images; print the verdict", check_main)


if __name__ == "__main__":
    # Run the imported module, not this __main__ copy: registered commands are
    # proguard_core.cli.Command instances.
    from proguard_core.cli import main as installed_main

    sys.exit(installed_main())
