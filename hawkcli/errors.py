"""User-facing errors: one line on stderr and exit code 2, never a traceback (unless HAWK_DEBUG=1)."""

from __future__ import annotations

# Exit codes of every command (README "Exit codes", `hawk --help`).
EXIT_OK = 0
EXIT_PARTIAL = 1  # some items (run) or arms (compare) failed; the rest were written
EXIT_USAGE = 2  # bad arguments or input, a missing file or model, an unusable profile
EXIT_INTERNAL = 3  # a bug in hawk or a library: one line, HAWK_DEBUG=1 for the traceback
EXIT_INTERRUPTED = 130  # Ctrl-C; finished work is kept
EXIT_CODES_HELP = (
    "Exit codes: 0 ok · 1 some items or arms failed (the rest were written) · 2 bad input · "
    "3 internal error · 130 interrupted."
)


class HawkError(Exception):
    """A problem with the user's input or environment that they can fix."""

    exit_code = EXIT_USAGE


class UnsupportedModelError(HawkError):
    pass


class ProfileError(HawkError):
    pass


class InputError(HawkError):
    pass


def first_line(err: BaseException) -> str:
    """An exception's message cut to its first line (its type's name when it has none)."""
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
