"""Steps several commands share: options, the method's profile, then loading the model and checking both."""

from __future__ import annotations

import sys
from typing import Any

from hawkcli.errors import HawkError, InputError, ProfileError

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


def resolve_profile(method: str, profile: str | None, model_name: str) -> Any:
    """The profile a method will use (None for methods without one), before the model is loaded."""
    from hawkcli import profiles
    from hawkcli.methods.registry import method_class
    from hawkcli.models.loading import model_id_for, resolve_model

    if not method_class(method).needs_profile:
        if profile is not None:
            raise HawkError(f"--profile only applies to methods that use one; {method} does not")
        return None
    if profile is not None:
        chosen = profiles.load(profile)
        profiles.check_weights(chosen.head_weights(0), f"profile {chosen.path}")
        chosen.reason = "--profile"
        return chosen
    model_id = model_id_for(model_name, resolve_model(model_name))
    found = profiles.find_for_model(model_id)
    if found is None:
        raise ProfileError(
            f"no shipped head-importance profile matches {model_name}; run `hawk profile {model_name} "
            f"--calib DATASET` and pass --profile FILE, or use --method uniform"
        )
    found.reason = f"shipped, made for {found.model_id}; --profile FILE for another"
    return found


def announce_profile(profile: Any, model_id: str, num_heads: int, force: bool) -> None:
    """Check a resolved profile against the loaded model, then say on stderr which one is used and why."""
    from hawkcli import profiles

    profiles.check_compatible(profile, model_id, num_heads, force)
    sys.stderr.write(f"hawk: profile {profile.path} ({profile.reason})\n")


def load_for_method(
    options: Any, method: str, keep: float, profile: str | None, force: bool, method_options: dict[str, Any]
) -> tuple[Any, Any]:
    """Load the model and build a `RunConfig`; every user error surfaces before inference.

    `method_options` must already be validated (`method_options()`)."""
    from hawkcli.infer import RunConfig
    from hawkcli.models.loading import load, load_config

    load_config(options)  # an unknown or unsupported model is reported before any profile question
    prof = resolve_profile(method, profile, options.model)

    loaded = load(options)
    if prof is not None:
        announce_profile(prof, loaded.model_id, loaded.adapter.num_heads, force)
    return loaded, RunConfig(method=method, keep=keep, profile=prof, options=method_options)
