"""Steps several commands share: options, the method's profile, then loading the model and checking both."""

from __future__ import annotations

from typing import Any

from hawkcli.errors import InputError

METHOD_OPTION_HELP = (
    "A method option as key=value (see `hawk methods`), e.g. layer=3; method.key=value targets one method. Repeatable."
)
OFFLINE_HELP = "Use only local folders and the hub cache; never touch the network (HF_HUB_OFFLINE=1)."


def flag(name: str, help: str) -> Any:
    """A boolean switch. It takes no value, so its help shows none (typer would print `<bool>`)."""
    import typer

    return typer.Option(False, name, metavar="", help=help)


def method_options(methods: list[str], pairs: list[str] | None, presets: dict[str, dict] | None = None) -> dict:
    """`{method: {option: value}}` from `--method-option` pairs over `presets`, typed and validated.

    `key=value` applies to every listed method that has option `key` (at least one must);
    `method.key=value` to that method only.
    """
    from dataclasses import fields

    from hawkcli.methods.registry import method_class

    classes = {m: method_class(m) for m in methods}
    chosen = {m: dict((presets or {}).get(m, {})) for m in methods}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--method-option {pair!r}: expected key=value (e.g. layer=3)")
        target, dot, key = key.strip().rpartition(".")
        if dot and target not in classes:
            raise InputError(f"--method-option {pair!r}: method {target!r} is not among {', '.join(methods)}")
        owners = [target] if dot else [m for m, c in classes.items() if key in {f.name for f in fields(c.Options)}]
        if not owners:
            raise InputError(f"--method-option {pair!r}: none of {', '.join(methods)} has an option {key!r}")
        for m in owners:
            chosen[m][key] = classes[m].parse_option(key, value)
    for m, values in chosen.items():
        classes[m].make_options(values)  # type and range checks before any model loads
    return chosen
