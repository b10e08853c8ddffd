"""The command line being run, so long commands can print the exact command that resumes them."""

from __future__ import annotations

import shlex

_argv: list[str] = []


def record(argv: list[str]) -> None:
    _argv[:] = list(argv)


def command() -> str:
    """`hawk ARGS` as typed, quoted for a POSIX shell."""
    return shlex.join(["hawk", *_argv])
