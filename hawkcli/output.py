"""Rendering: stdout carries data (text answers, JSON, JSONL); stderr carries everything for humans."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

FORMATS = ("auto", "text", "json", "jsonl")


def resolve_format(fmt: str, stream: TextIO | None = None) -> str:
    """`auto` → text on a terminal, JSONL when piped or redirected."""
    if fmt not in FORMATS:
        from hawkcli.errors import InputError

        raise InputError(f"unknown format {fmt!r} (use {'|'.join(FORMATS)})")
    if fmt != "auto":
        return fmt
    stream = stream or sys.stdout
    return "text" if stream.isatty() else "jsonl"


class RecordWriter:
    """Writes result records as they are ready (`jsonl`, `text`) or all at the end (`json`)."""

    def __init__(self, fmt: str, multi: bool, stream: TextIO | None = None) -> None:
        self.fmt = fmt
        self.multi = multi
        self.stream = stream or sys.stdout
        self.buffer: list[dict[str, Any]] = []

    def write(self, record: dict[str, Any]) -> None:
        if self.fmt == "jsonl":
            self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif self.fmt == "json":
            self.buffer.append(record)
            return
        elif "error" in record:
            # Errors belong to humans: stderr, so stdout stays a clean list of answers.
            sys.stderr.write(f"hawk: {record['id']}: {record['error']}\n")
        elif self.multi:
            self.stream.write(f"{record['id']}\t{record['answer']}\n")
        else:
            self.stream.write(f"{record['answer']}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.fmt == "json":
            payload: Any = self.buffer if self.multi else (self.buffer[0] if self.buffer else {})
            self.stream.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
            self.stream.flush()
