"""What hawk supports per family, read off the registries (`hawk models`, README's matrix)."""

from __future__ import annotations

from typing import Any


def method_support(adapter: type, method: type) -> str:
    """`yes`, `no`, or `yes (limit)` for one family and method, from their declared needs."""
    if method.needs_saliency and not adapter.has_saliency:
        return "no"
    if method.needs_video and not adapter.inputs_class.reads_video:
        return "no"
    if method().prune_layer() > 0:
        if not adapter.in_decoder:
            return "no"
        if adapter.in_decoder_note:
            return f"yes ({adapter.in_decoder_note})"
    return "yes"


def support_matrix() -> list[dict[str, Any]]:
    from hawkcli.methods.registry import method_class, method_names
    from hawkcli.models.registry import adapters

    rows = []
    for cls in dict.fromkeys(adapters().values()):
        rows.append(
            {
                "family": cls.family,
                "model_types": list(cls.model_types),
                "aliases": sorted(cls.aliases),
                "image": "yes",
                "video": "yes" if cls.inputs_class.reads_video else "no",
                "multi_image": "yes" if cls.inputs_class.multi_image else "no",
                "methods": {m: method_support(cls, method_class(m)) for m in method_names()},
                "profile": "yes",
                "overlay": "yes",
            }
        )
    return sorted(rows, key=lambda r: r["family"])


def markdown(rows: list[dict[str, Any]]) -> str:
    """The matrix as the Markdown table README embeds."""
    methods = list(rows[0]["methods"]) if rows else []
    head = ["family", "`model_type`", "image", "video", "multi-image", *methods, "profile", "overlay"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["family"], ", ".join(f"`{t}`" for t in r["model_types"]), r["image"], r["video"], r["multi_image"]]
        cells += [r["methods"][m] for m in methods] + [r["profile"], r["overlay"]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
