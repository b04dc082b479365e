"""The ``proguard`` subcommands this package adds; pyproject.toml registers them."""

from __future__ import annotations

from collections.abc import Sequence

from proguard_core.cli import Command


def _serve(argv: Sequence[str]) -> int:
    from proguard_integrations.server.cli import main

    return main(argv)


SERVE = Command("run the HTTP guard service", _serve)
