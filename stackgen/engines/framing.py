"""Stage 4a: bytes to records, exactly as the rendered Filebeat input frames them.

Every engine gets its records from here, because framing is the shipper's job: the ingest
pipeline and the Logstash filters only ever see assembled records. Filebeat's filestream input
with `line_terminator: auto` ends a line at `\n` and strips `\r\n` or `\n` (a bare `\r` stays in
the line); the multiline parser (`negate: true`, `match: after`) appends every line that does not
match the start pattern to the record before it, joined with `\n`, up to `max_lines` lines; empty
records are not sent.
"""
from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import re2

from stackgen.model.nodes import LogModel, MAX_RECORD_BYTES


TRUNCATED = "truncated"  # Filebeat's log.flags value for a record cut at max_lines or max bytes
MULTILINE = "multiline"  # ... and for a record assembled from more than one line
BYTEWISE = "stackgen-bytewise"


def _bytewise(error: UnicodeDecodeError) -> tuple[str, int]:
    """One U+FFFD per undecodable byte, as Filebeat's (Go's) decoder: a cut 3-byte character is two."""
    return "\ufffd" * (error.end - error.start), error.end


codecs.register_error(BYTEWISE, _bytewise)


@dataclass(frozen=True)
class Record:
    """One event's text and where it came from."""

    text: str
    source: str
    line: int  # 1-based number of its first physical line
    flags: tuple[str, ...] = ()  # Filebeat's log.flags: ("truncated",) when lines or bytes were cut


def split_lines(data: bytes | Iterable[bytes], encoding: str) -> Iterator[tuple[int, str]]:
    """Physical lines with their numbers, line terminators stripped, bytes decoded.

    `data` is the whole file, or an iterable of raw lines (a binary file: read as it streams; no
    line is held back waiting for the next).
    """
    if isinstance(data, bytes):
        pieces: Iterable[bytes] = data.split(b"\n")
        if data.endswith(b"\n") or not data:
            pieces = pieces[:-1]  # the empty piece after the final newline
    else:
        pieces = data
    for number, raw in enumerate(pieces, 1):
        if raw.endswith(b"\n"):
            raw = raw[:-1]
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        yield number, raw.decode(encoding, errors=BYTEWISE)


def frame(model: LogModel, data: bytes, source: str = "<stdin>") -> list[Record]:
    """Assemble the records of one file."""
    return list(frame_stream(model, data, source))


def frame_stream(model: LogModel, data: bytes | Iterable[bytes], source: str = "<stdin>") -> Iterator[Record]:
    """Assemble records as the lines arrive (constant memory for a binary file object)."""
    for record in _assemble(model, split_lines(data, model.encoding), source):
        encoded = record.text.encode("utf-8")
        if len(encoded) > MAX_RECORD_BYTES:
            text = encoded[:MAX_RECORD_BYTES].decode("utf-8", errors="ignore")
            record = Record(text, record.source, record.line, tuple(sorted({*record.flags, TRUNCATED})))
        yield record


def _assemble(model: LogModel, lines: Iterable[tuple[int, str]], source: str) -> Iterator[Record]:
    if model.multiline is None:
        for number, text in lines:
            if text:
                yield Record(text, source, number)
        return
    start = re2.compile(model.multiline.start)  # Filebeat's regexp is RE2: linear time, same syntax
    current: list[str] = []
    first = 0
    cut = False
    for number, text in lines:
        if current and not start.search(text):
            if len(current) < model.multiline.max_lines:
                current.append(text)
            else:
                cut = True  # max_lines reached: Filebeat drops the line and flags the record
            continue
        if current and "\n".join(current):
            yield Record("\n".join(current), source, first, _flags(current, cut))
        current, first, cut = [text], number, False
    if current and "\n".join(current):
        yield Record("\n".join(current), source, first, _flags(current, cut))


def _flags(lines: list[str], cut: bool) -> tuple[str, ...]:
    return tuple(sorted({*([MULTILINE] if len(lines) > 1 else []), *([TRUNCATED] if cut else [])}))
