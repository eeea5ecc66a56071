"""Stage 0a of `infer`: where records start, the timestamp and its formats, the common header.

The timestamp is looked for after 0 to 4 leading words (optionally in brackets), with every format
below, each tried through the regex the schema language itself derives from it (`model/timefmt.py`),
so what is found here is what the rendered patterns will accept. The position and formats that
start the most lines win. Lines that do not start with a timestamp continue the record before
them when at least half the lines do. After the timestamp, a syslog header (`host program[pid]:`)
or a log level is recognised when most records carry one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from stackgen.model.timefmt import parse_format

FORMATS = ("ISO8601", "yyyy-MM-dd HH:mm:ss.SSS", "yyyy-MM-dd HH:mm:ss,SSS", "yyyy-MM-dd HH:mm:ss",
           "yyyy-MM-dd-HH:mm:ss", "yyyy/MM/dd HH:mm:ss", "MMM d HH:mm:ss", "MMM  d HH:mm:ss",
           "dd-MMM-yyyy HH:mm:ss", "dd/MMM/yyyy:HH:mm:ss Z", "EEE MMM dd HH:mm:ss yyyy", "EEE MMM d HH:mm:ss yyyy")
LEVELS = {"TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING", "ERROR", "ERR", "CRIT", "CRITICAL", "FATAL",
          "ALERT", "EMERG", "SEVERE"}
SEPARATORS = (" | ", " * ", " ; ")  # delimited logs: the separator right after the timestamp
MAX_LEADING = 4
VARIABLE = -1
SYSLOG = re.compile(r"\A([A-Za-z0-9][A-Za-z0-9_.-]*) ([^\s\[\]:]+)(?:\[([^\s\]]+)\])?:(?: |\Z)")


@dataclass(frozen=True)
class Header:
    """What every record starts with."""

    leading: int  # words before the timestamp (VARIABLE: any text, one `prefix` value)
    bracketed: bool  # the timestamp is written [like this]
    formats: tuple[str, ...]  # the timestamp's formats, most frequent first (empty: none found)
    multiline: str | None  # a regex matching the first line of a record, when records span lines
    kind: str  # "syslog" (host program[pid]:), "level" (a log level word), "delimited" or "plain"
    coverage: float  # share of lines that start a record
    separator: str | None = None  # delimited: what separates the fields after the timestamp

    @cached_property
    def starts(self) -> list[re.Pattern]:
        """Where a record's timestamp ends, one pattern per format (built once)."""
        return [start_of(self.leading, self.bracketed, parse_format(f).regex) for f in self.formats]

    def rest(self, line: str) -> str | None:
        """The line after its timestamp (the whole line when there is no timestamp; None: no fit)."""
        if not self.formats:
            return line
        for start in self.starts:
            if match := start.match(line):
                return line[match.end():].lstrip(" \t")
        return None

    def message(self, rest: str) -> str:
        """The message of a record's rest, without the separator that starts it (delimited)."""
        if self.separator is not None and rest.startswith(self.separator.strip()):
            return rest[len(self.separator.strip()):].lstrip(" \t")
        return rest

    def templates(self) -> list[str]:
        """The layout's templates, the first that fits wins: the header up to the message, then the
        bare timestamp for records without the syslog header or level."""
        parts = ["{prefix}"] if self.leading == VARIABLE else [f"{{field{i + 1}}}" for i in range(self.leading)]
        if self.formats:
            parts.append("[{timestamp}]" if self.bracketed else "{timestamp}")
        plain = " ".join(parts) + ("{? {message}}" if parts else "{message}")
        if self.separator is not None:
            return [" ".join(parts) + f" {self.separator.strip()} {{message}}", plain]
        if self.kind == "syslog":
            return [" ".join(parts) + " {host} {program}{?[{pid}]}:{? {message}}", plain]
        if self.kind == "level":
            return [" ".join(parts) + " {level}{? {message}}", plain]
        return [plain]


def _words(leading: int) -> str:
    return r"[^\n]*?[ \t]" if leading == VARIABLE else r"[^\s]+[ \t]+" * leading


def start_of(leading: int, bracketed: bool, regex: str) -> re.Pattern:
    words = _words(leading)
    stamp = rf"\[(?:{regex})\]" if bracketed else f"(?:{regex})"
    return re.compile(rf"\A{words}{stamp}(?=[ \t]|\Z)")


def rest_after(line: str, start: re.Pattern) -> str | None:
    match = start.match(line)
    return None if match is None else line[match.end():].lstrip(" \t")


def find(lines: list[str]) -> Header:
    """The header that fits the most lines (a sample of the input)."""
    lines = [line for line in lines if line.strip()]
    if not lines:
        return Header(0, False, (), None, "plain", 1.0)
    best: tuple[int, int, bool] | None = None  # (lines started, leading, bracketed)
    regexes = {fmt: parse_format(fmt).regex for fmt in FORMATS}
    for leading in (*range(MAX_LEADING + 1), VARIABLE):
        for bracketed in (False, True):
            if leading == VARIABLE and not bracketed:
                continue  # any text, then a timestamp: only where brackets mark where it starts
            any_format = start_of(leading, bracketed, "|".join(f"(?:{r})" for r in regexes.values()))
            count = sum(1 for line in lines if any_format.match(line))
            # a variable prefix only when it starts clearly more lines than a fixed one
            if count and (best is None or count > best[0] * (1.02 if leading == VARIABLE else 1)):
                best = (count, leading, bracketed)
    if best is None or best[0] < len(lines) / 2:
        return Header(0, False, (), None, "plain", 1.0)
    _, leading, bracketed = best
    hits = {}
    for fmt, regex in regexes.items():
        start = start_of(leading, bracketed, regex)
        hits[fmt] = [i for i, line in enumerate(lines) if start.match(line)]
    # every format that starts lines here, the most frequent first (e.g. `MMM  d` for days 1-9)
    formats = sorted((f for f in FORMATS if len(hits[f]) >= max(1, len(lines) // 100)),
                     key=lambda f: (-len(hits[f]), FORMATS.index(f)))
    starts = [start_of(leading, bracketed, parse_format(f).regex) for f in formats]
    covered = [line for line in lines if any(s.match(line) for s in starts)]
    multiline = None
    if len(covered) < len(lines):
        words = _words(leading)
        alternatives = "|".join(f"(?:{parse_format(f).regex})" for f in formats)
        multiline = rf"^{words}{'[[]' if bracketed else ''}(?:{alternatives})"
    rests = [r for r in (next((rest_after(line, s) for s in starts if s.match(line)), None) for line in covered)
             if r is not None]
    texts = [r for r in rests if r]
    separator = next((sep for sep in SEPARATORS if texts and sum(1 for r in texts if r.startswith(sep.lstrip(" ")))
                      >= 0.9 * len(texts)), None)
    kind = "plain"
    if separator is not None:
        kind = "delimited"
    elif rests and sum(1 for r in rests if SYSLOG.match(r)) >= 0.8 * len(rests):
        kind = "syslog"
    elif rests and sum(1 for r in rests if r.split(" ", 1)[0].upper() in LEVELS) >= 0.8 * len(rests):
        kind = "level"
    return Header(leading, bracketed, tuple(formats), multiline, kind, len(covered) / len(lines), separator)
