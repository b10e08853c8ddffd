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
