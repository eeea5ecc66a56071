"""Stage 2: timestamp formats, one canonical spelling translated for every engine.

A format is written with java.time letters (`yyyy-MM-dd HH:mm:ss`, `MMM d HH:mm:ss`,
`dd/MMM/yyyy:HH:mm:ss Z`) or is one of the names `ISO8601`, `UNIX`, `UNIX_MS`. From it this module
derives the regular expression a value must match before any engine parses it (so no parser ever
sees text another would treat differently), the java.time pattern the ingest script parses with,
the Joda pattern Logstash's `date` filter uses, and the Python parser of the local engine.

The rules every engine follows (the local engine here, the Painless program in the ingest
pipeline, the Logstash filter):
- month and day names are English, matched in any case;
- a format without a year takes the latest year, at most the reference time's, in which the
  timestamp exists and is not more than one day after the reference time (verify pins it);
- a timestamp carrying an offset (`Z`, `X`, `XX`, `XXX`) uses it; otherwise the value's timezone;
- a wall time in a DST gap moves forward by the gap, one in an overlap takes the earlier offset;
- impossible dates (Feb 30, a day name that does not fit the date) fail.
Fractions are read to nanoseconds and stored, like Elasticsearch `date`, to milliseconds.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NAMED = ("ISO8601", "UNIX", "UNIX_MS")
YEARLESS_TRIES = 8  # enough to reach the previous Feb 29 from any year

def caseless(word: str) -> str:
    """ASCII letters in either case, spelled out: `(?i)` folds Unicode in Joni and not here."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isascii() and c.isalpha() else c for c in word)


# token -> (regex, component)
TOKENS: dict[str, tuple[str, str]] = {
    "yyyy": ("(?:[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])", "year"),
    "MM": ("[0-9]{2}", "month"),
    "M": ("[0-9]{1,2}", "month"),
    "MMM": ("(?:" + "|".join(caseless(m) for m in MONTHS) + ")", "month_name"),
    "dd": ("[0-9]{2}", "day"),
    "d": ("[0-9]{1,2}", "day"),
    "EEE": ("(?:" + "|".join(caseless(d) for d in DAYS) + ")", "day_name"),
    "HH": ("[0-9]{2}", "hour"),
    "H": ("[0-9]{1,2}", "hour"),
    "mm": ("[0-9]{2}", "minute"),
    "ss": ("[0-9]{2}", "second"),
    "XXX": ("(?:Z|[+-](?:(?:0[0-9]|1[0-7]):[0-5][0-9]|18:00))", "offset"),  # java.time: at most 18 h
    "XX": ("(?:Z|[+-](?:(?:0[0-9]|1[0-7])[0-5][0-9]|1800))", "offset"),
    "X": ("(?:Z|[+-](?:(?:0[0-9]|1[0-7])(?:[0-5][0-9])?|18(?:00)?))", "offset"),
    "Z": ("[+-](?:(?:0[0-9]|1[0-7])[0-5][0-9]|1800)", "offset"),
}
FRACTION = "S"  # S to SSSSSSSSS: exactly that many digits
_JODA = {"XXX": "ZZ", "XX": "Z", "X": "Z", "Z": "Z"}
_LITERAL_OK = set(" -:/.,T_")  # '[' ']' are java.time's optional sections: quote them
_REGEX_META = set("\\^$.|?*+()[]{}")
NAMED_REGEX = {
    "ISO8601": "(?:[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}"
               "(?::[0-9]{2}(?:\\.[0-9]{1,9})?)?(?:Z|[+-](?:(?:0[0-9]|1[0-7]):[0-5][0-9]|18:00))?",
    "UNIX": "[0-9]{1,10}(?:\\.[0-9]{1,9})?",
    "UNIX_MS": "[0-9]{1,13}",
}


class TimeFormatError(ValueError):
    """The format uses a token or literal stackgen cannot translate faithfully."""


def _escape(text: str) -> str:
    return "".join("\\" + c if c in _REGEX_META else c for c in text)


@dataclass(frozen=True)
class TimeFormat:
    """A parsed format: its pieces in order, or one of the named formats."""

    source: str
    pieces: tuple[tuple[str, str], ...]  # ("token", "yyyy") | ("literal", "-"); () for named formats

    @property
    def named(self) -> bool:
        return self.source in NAMED

    @property
    def has_year(self) -> bool:
        return self.named or any(p == ("token", "yyyy") for p in self.pieces)

    @property
    def java(self) -> str:
        """The java.time pattern (`uuuu` for the year, so STRICT resolution needs no era)."""
        if self.named:
            return self.source
        return "".join(_java_piece(kind, text) for kind, text in self.pieces)

    @property
    def joda(self) -> str:
        """The Joda-Time pattern of Logstash's `date` filter."""
        if self.named:
            return self.source
        return "".join(_JODA.get(text, text) if kind == "token" else _quote(text) for kind, text in self.pieces)

    @property
    def regex(self) -> str:
        if self.named:
            return NAMED_REGEX[self.source]
        out = []
        for kind, text in self.pieces:
            if kind == "token":
                out.append(f"[0-9]{{{len(text)}}}" if text[0] == FRACTION else TOKENS[text][0])
            else:
                out.append(_escape(text))
        return "".join(out)

    def parse(self, text: str, timezone: str, now: dt.datetime) -> dt.datetime | None:
        """The instant (UTC), or None when the text does not make a valid timestamp."""
        if self.named:
            return _parse_named(self.source, text, timezone)
        fields = self._fields(text)
        if fields is None:
            return None
        years = [fields.pop("year")] if "year" in fields else [now.year - i for i in range(YEARLESS_TRIES)]
        limit = now + dt.timedelta(days=1)
        sub_micro = fields.get("nanos", 0) % 1000  # datetime stops at microseconds; java.time does not
        for year in years:
            instant = _build(year, fields, timezone)
            if instant is None:
                if len(years) == 1:
                    return None
                continue
            if len(years) > 1 and (instant > limit or (instant == limit and sub_micro)):
                continue
            return instant
        return None

    @cached_property
    def _matcher(self) -> tuple:
        """(the compiled pattern's fullmatch, the field name of each group), built once per format."""
        groups, names = [], []
        for kind, piece in self.pieces:
            if kind == "token":
                regex = f"[0-9]{{{len(piece)}}}" if piece[0] == FRACTION else TOKENS[piece][0]
                groups.append(f"({regex})")
                names.append("fraction" if piece[0] == FRACTION else TOKENS[piece][1])
            else:
                groups.append(re.escape(piece))
        return re.compile("".join(groups), flags=re.ASCII).fullmatch, tuple(names)

    def _fields(self, text: str) -> dict | None:
        fullmatch, names = self._matcher
        match = fullmatch(text)
        if not match:
            return None
        out: dict = {}
        for name, raw in zip(names, match.groups()):
            if name == "month_name":
                out["month"] = MONTHS.index(raw.capitalize()) + 1
            elif name == "day_name":
                out["weekday"] = DAYS.index(raw.capitalize())
            elif name == "fraction":
                out["nanos"] = int(raw.ljust(9, "0"))
            elif name == "offset":
                out["offset"] = _offset(raw)
            else:
                out[name] = int(raw)
        return out


def _java_piece(kind: str, text: str) -> str:
    if kind == "literal":
        return _quote(text)
    return "uuuu" if text == "yyyy" else text


def _quote(text: str) -> str:
    if all(not c.isalpha() and c not in "'[]{}#" for c in text):
        return text
    return "'" + text.replace("'", "''") + "'"


def _offset(raw: str) -> dt.timezone:
    if raw == "Z":
        return dt.timezone.utc
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _build(year: int, fields: dict, timezone: str) -> dt.datetime | None:
    try:
        local = dt.datetime(year, fields.get("month", 1), fields.get("day", 1), fields.get("hour", 0),
                            fields.get("minute", 0), fields.get("second", 0), fields.get("nanos", 0) // 1000)
    except ValueError:
        return None
    if "weekday" in fields and local.weekday() != fields["weekday"]:
        return None
    if "offset" in fields:
        return local.replace(tzinfo=fields["offset"]).astimezone(dt.timezone.utc)
    # A wall time inside a DST gap does not exist: java.time moves it forward by the gap, which is
    # the instant fold=0 gives (the offset in force before the transition); overlaps take fold=0 too.
    return local.replace(tzinfo=ZoneInfo(timezone), fold=0).astimezone(dt.timezone.utc)


def _parse_named(name: str, text: str, timezone: str) -> dt.datetime | None:
    if not re.fullmatch(NAMED_REGEX[name], text):
        return None
    if name == "UNIX_MS":
        return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=int(text))
    if name == "UNIX":
        whole, _, frac = text.partition(".")
        micros = int(frac.ljust(9, "0")[:9]) // 1000 if frac else 0
        return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=int(whole), microseconds=micros)
    date, _, rest = text.partition("T")
    match = re.fullmatch(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?(.*)", rest)
    year, month, day = (int(p) for p in date.split("-"))
    fields = {"month": month, "day": day, "hour": int(match.group(1)), "minute": int(match.group(2)),
              "second": int(match.group(3) or 0), "nanos": int((match.group(4) or "").ljust(9, "0"))}
    if match.group(5):
        fields["offset"] = _offset(match.group(5))
    return _build(year, fields, timezone)


def parse_format(source: str) -> TimeFormat:
    """Split a format into tokens and literals, or raise TimeFormatError."""
    if source in NAMED:
        return TimeFormat(source, ())
    pieces: list[tuple[str, str]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "'":
            end = source.find("'", i + 1)
            if end < 0:
                raise TimeFormatError("unterminated quoted literal")
            if end == i + 1 or source[end + 1:end + 2] == "'":
                raise TimeFormatError("a quote inside a format ('') is not supported")
            pieces.append(("literal", source[i + 1:end]))
            i = end + 1
        elif char.isalpha():
            j = i
            while j < len(source) and source[j] == char:
                j += 1
            token = source[i:j]
            if token not in TOKENS and not (char == FRACTION and len(token) <= 9):
                known = ", ".join([*TOKENS, "S to SSSSSSSSS", *NAMED])
                raise TimeFormatError(f"unsupported token '{token}' (supported: {known}; quote literal letters)")
            pieces.append(("token", token))
            i = j
        elif char in _LITERAL_OK:
            pieces.append(("literal", char))
            i += 1
        else:
            raise TimeFormatError(f"unsupported literal {char!r} (quote it: '{char}')")
    for i, (kind, text) in enumerate(pieces):
        # java.time parses adjacent numbers by width; a regex backtracks: they would split differently
        if kind == "token" and text in ("M", "d", "H"):
            around = [pieces[j] for j in (i - 1, i + 1) if 0 <= j < len(pieces)]
            if any(k == "token" and t not in ("MMM", "EEE") for k, t in around):
                raise TimeFormatError(f"'{text}' (one or two digits) needs a literal between it and the next number")
    kinds = [TOKENS[p][1] if p in TOKENS else "fraction" for k, p in pieces if k == "token"]
    if len(set(kinds)) != len(kinds):
        raise TimeFormatError("a date component appears twice")
    for needed in ("month", "day", "hour", "minute"):
        if needed not in kinds and not (needed == "month" and "month_name" in kinds):
            raise TimeFormatError(f"the format has no {needed}")
    if "fraction" in kinds and "second" not in kinds:
        raise TimeFormatError("a fraction needs seconds")
    return TimeFormat(source, tuple(pieces))


def format_instant(value: dt.datetime) -> str:
    """An instant as Logstash writes @timestamp: UTC, milliseconds, `Z`."""
    value = value.astimezone(dt.timezone.utc)
    return f"{value.year:04d}-" + value.strftime("%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def normalize_instant(text: str) -> str:
    """Any ISO-8601 instant (with offset or Z) in the canonical UTC form, for comparisons."""
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return format_instant(parsed)


def parse_now(text: str) -> dt.datetime:
    """A reference time given as ISO 8601 with an offset."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("the reference time needs an offset, e.g. 2026-06-15T12:00:00Z")
    return value.astimezone(dt.timezone.utc)
