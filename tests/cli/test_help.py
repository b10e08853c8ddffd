"""What `--help` tells a newcomer."""

from __future__ import annotations

import re

import pytest

from hawkcli.cli.app import main

COMMANDS = ["run", "compare", "profile", "inspect", "methods"]


@pytest.mark.parametrize("command", COMMANDS)
def test_switches_show_no_value(capsys, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "200")
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    for switch in ("--offline", "--force", "--resume"):
        line = next((x for x in out.splitlines() if re.search(rf"{switch}\b", x)), None)
        if line is not None:
            assert "<bool>" not in line, line


def test_exit_codes_are_documented(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    for args in ([], ["run"], ["compare"]):
        assert main([*args, "--help"]) == 0
        text = " ".join(capsys.readouterr().out.split())
        assert "0 ok" in text and "3 internal error" in text and "130 interrupted" in text, args


def test_readme_embeds_the_support_matrix(capsys):
    from pathlib import Path

    assert main(["models", "--format", "markdown"]) == 0
    matrix = capsys.readouterr().out.strip()
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    embedded = readme.split("<!-- hawk models: begin -->")[1].split("<!-- hawk models: end -->")[0].strip()
    assert embedded == matrix, "README's support matrix is stale: paste `hawk models --format markdown`"


def test_models_json_lists_every_family(capsys):
    import json

    from hawkcli.models.registry import supported_model_types

    assert main(["models", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sorted(t for r in rows for t in r["model_types"]) == supported_model_types()
    gemma = next(r for r in rows if r["family"] == "Gemma 3")
    assert gemma["methods"]["fastv"] == "no" and gemma["methods"]["hawk"] == "yes"


@pytest.mark.parametrize("command", COMMANDS)
def test_defaults_in_help_survive_rich_markup(capsys, monkeypatch, command):
    """`[default: x]` written in a help string is rich markup unless escaped: it would vanish."""
    monkeypatch.setenv("COLUMNS", "200")
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert not re.search(r"[a-z] \.\s*│", out), out  # "hub id [default: …]." printed as "hub id ."
