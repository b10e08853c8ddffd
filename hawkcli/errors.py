"""User-facing errors: one line on stderr and exit code 2, never a traceback (unless HAWK_DEBUG=1)."""

from __future__ import annotations


class HawkError(Exception):
    """A problem with the user's input or environment that they can fix."""

    exit_code = 2


class UnsupportedModelError(HawkError):
    pass


class ProfileError(HawkError):
    pass


class InputError(HawkError):
    pass
