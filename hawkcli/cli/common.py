"""Steps several commands share: resolve the method's profile, then load the model and check both."""

from __future__ import annotations

from typing import Any

from hawkcli.errors import HawkError, ProfileError


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
        return profiles.load(profile)
    model_id = model_id_for(model_name, resolve_model(model_name))
    found = profiles.find_for_model(model_id)
    if found is None:
        raise ProfileError(
            f"no shipped head-importance profile matches {model_name}; run `hawk profile {model_name} "
            f"--calib DATASET` and pass --profile FILE, or use --method uniform"
        )
    return found


def load_for_method(
    options: Any, method: str, keep: float, profile: str | None, force: bool, method_options: dict[str, Any]
) -> tuple[Any, Any]:
    """Load the model and build a validated `RunConfig`; every user error surfaces before inference."""
    from hawkcli import profiles
    from hawkcli.infer import RunConfig
    from hawkcli.methods.registry import method_class

    cls = method_class(method)
    applicable = {k: v for k, v in method_options.items() if k in {f for f in cls.Options.__dataclass_fields__}}
    cls.make_options(applicable)  # option errors before the (slow) model load
    from hawkcli.models.loading import load, load_config

    load_config(options)  # an unknown or unsupported model is reported before any profile question
    prof = resolve_profile(method, profile, options.model)

    loaded = load(options)
    if prof is not None:
        profiles.check_compatible(prof, loaded.model_id, loaded.adapter.num_heads, force)
    return loaded, RunConfig(method=method, keep=keep, profile=prof, options=applicable)
