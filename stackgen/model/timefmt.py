"""Stage 2: one canonical timestamp format, translated for every engine.

The canonical format uses the letters Joda-Time (Logstash `date`) and java.time (Elasticsearch
`date` processor) agree on; this module derives the Joda and Java patterns, the regular expression
a value must match before any engine parses it (so lenient parsers never see odd input), and the
Python parser used by the local engine.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

# token -> (regex, datetime component)
TOKENS: dict[str, tuple[str, str]] = {
    "yyyy": ("[0-9]{4}", "year"),
    "MM": ("[0-9]{2}", "month"),
    "dd": ("[0-9]{2}", "day"),
    "HH": ("[0-9]{2}", "hour"),
    "mm": ("[0-9]{2}", "minute"),
    "ss": ("[0-9]{2}", "second"),
    "SSS": ("[0-9]{3}", "millisecond"),
}
_LITERAL_OK = set(" -:/.,T_")
_REGEX_META = set("\\^$.|?*+()[]{}")


class TimeFormatError(ValueError):
    """The format uses a token or literal stackgen cannot translate faithfully."""


@dataclass(frozen=True)
class TimeFormat:
    """A parsed canonical format: its pieces, in order."""

    source: str
    pieces: tuple[tuple[str, str], ...]  # ("token", "yyyy") | ("literal", "-")

    @property
    def joda(self) -> str:
        return self.source

    @property
    def java(self) -> str:
        return self.source

    @property
    def regex(self) -> str:
        out = []
        for kind, text in self.pieces:
            if kind == "token":
                out.append(TOKENS[text][0])
            else:
                out.append("".join("\\" + c if c in _REGEX_META else c for c in text))
        return "".join(out)

    def parse(self, text: str, timezone: str) -> dt.datetime:
        """Parse like the Elasticsearch date processor: strict, DST overlap takes the earlier offset.

        Raises ValueError when the text does not fit or names an impossible date.
        """
        groups = []
        names = []
        for kind, piece in self.pieces:
            if kind == "token":
                groups.append(f"({TOKENS[piece][0]})")
                names.append(TOKENS[piece][1])
            else:
                groups.append(re.escape(piece))
        match = re.fullmatch("".join(groups), text, flags=re.ASCII)
        if not match:
            raise ValueError(f"{text!r} does not match {self.source!r}")
        parts = dict(zip(names, (int(g) for g in match.groups())))
        micro = parts.pop("millisecond", 0) * 1000
        local = dt.datetime(microsecond=micro, tzinfo=ZoneInfo(timezone), fold=0, **parts)
        # A wall time inside a DST gap does not exist: java.time moves it forward by the gap,
        # which is the instant fold=0 gives (the offset in force before the transition).
        return local.astimezone(dt.timezone.utc)


def parse_format(source: str) -> TimeFormat:
    """Split a canonical format into tokens and literals, or raise TimeFormatError."""
    pieces: list[tuple[str, str]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "'":
            end = source.find("'", i + 1)
            if end < 0:
                raise TimeFormatError("unterminated quoted literal")
            pieces.append(("literal", source[i + 1:end] or "'"))
            i = end + 1
        elif char.isalpha():
            j = i
            while j < len(source) and source[j] == char:
                j += 1
            token = source[i:j]
            if token not in TOKENS:
                known = ", ".join(TOKENS)
                raise TimeFormatError(f"unsupported token '{token}' (supported: {known}; quote literal letters)")
            pieces.append(("token", token))
            i = j
        elif char in _LITERAL_OK:
            pieces.append(("literal", char))
            i += 1
        else:
            raise TimeFormatError(f"unsupported literal {char!r} (quote it: '{char}')")
    tokens = [p for k, p in pieces if k == "token"]
    if len(set(tokens)) != len(tokens):
        raise TimeFormatError("a token appears twice")
    for needed in ("yyyy", "MM", "dd"):
        if needed not in tokens:
            raise TimeFormatError(
                f"the format has no '{needed}'; timestamps without a full date are not supported yet"
            )
    return TimeFormat(source, tuple(pieces))


def format_instant(value: dt.datetime) -> str:
    """An instant as Logstash writes @timestamp: UTC, milliseconds, `Z`."""
    value = value.astimezone(dt.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def normalize_instant(text: str) -> str:
    """Any ISO-8601 instant (with offset or Z) in the canonical UTC form, for comparisons."""
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return format_instant(parsed)
