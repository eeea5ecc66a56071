"""Stage 4a: bytes to records, exactly as the rendered Filebeat input frames them.

Every engine gets its records from here, because framing is the shipper's job: the ingest
pipeline and the Logstash filters only ever see assembled records. Filebeat's filestream input
with `line_terminator: auto` ends a line at `\n` and strips `\r\n` or `\n` (a bare `\r` stays in
the line); the multiline parser (`negate: true`, `match: after`) appends every line that does not
match the start pattern to the record before it, joined with `\n`, up to `max_lines` lines; empty
records are not sent.
"""
from __future__ import annotations

import re2
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from stackgen.model.nodes import LogModel


@dataclass(frozen=True)
class Record:
    """One event's text and where it came from."""

    text: str
    source: str
    line: int  # 1-based number of its first physical line


def split_lines(data: bytes, encoding: str) -> Iterator[tuple[int, str]]:
    """Physical lines with their numbers, line terminators stripped, bytes decoded."""
    if not data:
        return
    pieces = data.split(b"\n")
    if pieces[-1] == b"":
        pieces.pop()
    for number, raw in enumerate(pieces, 1):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        yield number, raw.decode(encoding, errors="replace")


def frame(model: LogModel, data: bytes, source: str = "<stdin>") -> list[Record]:
    """Assemble the records of one file."""
    return list(_assemble(model, split_lines(data, model.encoding), source))


def _assemble(model: LogModel, lines: Iterable[tuple[int, str]], source: str) -> Iterator[Record]:
    if model.multiline is None:
        for number, text in lines:
            if text:
                yield Record(text, source, number)
        return
    start = re2.compile(model.multiline.start)  # Filebeat's regexp is RE2: linear time, same syntax
    current: list[str] = []
    first = 0
    for number, text in lines:
        if current and not start.search(text) and len(current) < model.multiline.max_lines:
            current.append(text)
            continue
        if current and not start.search(text):
            # max_lines reached: Filebeat drops further continuation lines of this record
            continue
        if current and "\n".join(current):
            yield Record("\n".join(current), source, first)
        current, first = [text], number
    if current and "\n".join(current):
        yield Record("\n".join(current), source, first)
