"""Hypothesis strategies for tests/test_fuzz.py: stackgen schemas and the log records that exercise them.

`schemas()` draws a schema the generator believes valid (a `Case`: the YAML text, the dict it was
dumped from, and what is needed to write records for it); `log_text(case)` draws log text built
from the schema so that many records fit, mixed with noise (separators, quotes, newlines, tabs,
CR, Unicode including astral characters, very long and empty values). `mutated(case)` and
`yamlish()` draw schema texts that are mostly invalid, for the "only SchemaError" property.

Nothing here imports stackgen: the generator must not inherit the library's own mistakes. Its
validity rules (target conflicts, separator safety) restate the README's.

`ENABLED` lists generator features that lead to bugs already found; the tests keep all of them on
(set STACKGEN_FUZZ_OFF to turn some off and hunt past the known bugs).
"""
from __future__ import annotations

import ipaddress
import string
from dataclasses import dataclass, field

import yaml
from hypothesis import strategies as st

# -- alphabets ------------------------------------------------------------------------------------

ASTRAL = "\U0001d11e\U0001f600\U00010348"  # 𝄞 😀 𐍈 (4 bytes in UTF-8, 2 UTF-16 units in Java)
# Characters whose case folding differs between ASCII-only and Unicode-aware regex engines:
# long s (folds to s), Kelvin sign (k), dotted capital I, dotless i, sharp s (ss).
FOLDING = "\u017f\u212a\u0130\u0131\u00df"
UNICODE_DIGITS = "\u0663\uff13"  # Arabic-Indic three, fullwidth three
UNICODE_SPACES = "\u00a0\u2003\u0085\u2028"
UNICODE = "\u00e9\u0416\u4e2d\u2192\u20ac" + ASTRAL + FOLDING + UNICODE_DIGITS
PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`|~{}"
WORD = string.ascii_letters + string.digits
NOISE = WORD + PUNCT + " \t" + UNICODE + UNICODE_SPACES
NOISE_NL = NOISE + "\n\r"

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weighted(*pairs):
    """A strategy choosing among (weight, strategy-or-value) pairs; shrinks towards the first."""
    options = []
    for weight, option in pairs:
        options += [option] * weight
    return st.sampled_from(range(len(options))).flatmap(
        lambda i: options[i] if isinstance(options[i], st.SearchStrategy) else st.just(options[i]))


# -- the generated schema ----------------------------------------------------------------------------

@dataclass
class Val:
    """One value of a generated schema and what its texts look like."""

    name: str
    type: str
    spec: dict
    nulls: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    trues: list[str] = field(default_factory=lambda: ["true"])
    falses: list[str] = field(default_factory=lambda: ["false"])
    labels: dict[str, str] = field(default_factory=dict)
    pattern: str | None = None  # name of a schema pattern
    split: str | None = None
    first: str | None = None
    keys: dict | None = None  # {"style", "pair", "vsep", "map": {KEY: value name}}
    iphost: bool = False


@dataclass(frozen=True)
class Pat:
    """A user pattern: its regex and a strategy for texts that match it (mostly)."""

    regex: str
    sample: st.SearchStrategy


# Template items (the generator's own representation, serialised to template text)
@dataclass(frozen=True)
class Lit:
    text: str


@dataclass(frozen=True)
class Blank:
    text: str = " "


@dataclass(frozen=True)
class Slot:
    name: str


@dataclass(frozen=True)
class Opt:
    items: tuple


@dataclass
class Case:
    """A generated schema."""

    doc: dict  # what the YAML text was dumped from
    text: str
    values: dict[str, Val]
    patterns: dict[str, Pat]
    kind: str  # delimited | pattern
    separator: str | None = None
    head: list[str] = field(default_factory=list)  # delimited
    discriminator: str | None = None
    variants: dict[str, dict] = field(default_factory=dict)  # key -> {"fields"| "template", "when"}
    default: list[str] | None = None
    templates: list[tuple] = field(default_factory=list)  # pattern layouts: item tuples
    body: str | None = None
    continuation: tuple | None = None
    multiline: bool = False
    literal_chars: frozenset = frozenset()
    now: tuple | None = None  # verify.now as (y, m, d, H, M, S), for year-less timestamps near it

    def __repr__(self) -> str:
        return f"<{self.kind} schema>\n{self.text}"

    def _repr_pretty_(self, printer, cycle) -> None:  # how Hypothesis prints a failing example
        printer.text(repr(self))


def dump(doc: dict) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=10**9, default_flow_style=None)


def template_text(items) -> str:
    """Serialise template items: braces doubled in literals, `{?...}` for optional parts."""
    out = []
    for item in items:
        if isinstance(item, Lit):
            out.append(item.text.replace("{", "{{").replace("}", "}}"))
        elif isinstance(item, Blank):
            out.append(item.text)
        elif isinstance(item, Slot):
            out.append("{" + item.name + "}")
        else:
            out.append("{?" + template_text(item.items) + "}")
    return "".join(out)


def template_slots(items) -> list[str]:
    out = []
    for item in items:
        if isinstance(item, Slot):
            out.append(item.name)
        elif isinstance(item, Opt):
            out += template_slots(item.items)
    return out


def literal_chars(items) -> set[str]:
    out: set[str] = set()
    for item in items:
        if isinstance(item, Lit):
            out |= set(item.text)
        elif isinstance(item, Opt):
            out |= literal_chars(item.items)
    return out


# -- pools ------------------------------------------------------------------------------------------

SEPARATORS = [" | ", "|", ";", ",", " * ", "\t|\t", " |", "| ", "||", " :: ", "#", "~", "^", "$", "\\",
              "\"", "'", "[", "]", "(", ")", "+", "?", "%", "!", "/", "=", "<>", " -> ", "x", "\u00e9",
              "\u2192", "\U0001f600", "  ;  ", "-", ":", ".", ",,", "a|b", "{", "}", "*", "@", "&"]

FORMATS = [
    "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd-HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "yyyy-MM-dd'T'HH:mm:ssXX",
    "dd/MMM/yyyy:HH:mm:ss Z", "dd/MMM/yyyy:HH:mm:ss", "MMM d HH:mm:ss", "MMM  d HH:mm:ss", "MMM dd HH:mm:ss.SSS",
    "EEE MMM dd HH:mm:ss yyyy", "EEE MMM  d HH:mm:ss yyyy", "dd-MMM-yyyy HH:mm:ss", "d.M.yyyy H:mm",
    "yyyyMMddHHmmss", "yyyyMMdd'T'HHmmssX", "M/d/yyyy H:mm:ss", "yyyy-MM-dd HH:mm:ss,SSS", "HH:mm:ss dd.MM.yyyy",
    "dd MMM yyyy HH:mm:ss.SSSSSSSSS", "MMM d yyyy H:mm", "EEE, dd MMM yyyy HH:mm:ss Z", "yyyy_MM_dd_HH_mm",
    "d MMM HH:mm", "'['dd/MMM/yyyy:HH:mm:ss']'", "yyyy-MM-dd HH:mm:ss.SSSSSSS",
    "MMM d HH:mm:ss.SSSSSSSSS", "HH'h'mm dd.MM.yyyy", "yyyy-MM-dd'T'HH:mm:ss'Z'", "dd.MM.yyyy 'at' HH:mm",
    "HH:mm 'o''clock' dd.MM.yyyy", "yyyy-MM-dd HH:mm X", "yyyy-MM-dd HH:mm:ss XXX", "EEE d MMM HH:mm",
    "dMyyyy Hmm", "'run' MMM d HH:mm:ss", "[dd/MMM/yyyy:HH:mm:ss]", "yyyy-MM-dd[HH:mm]", "ISO8601", "UNIX",
    "UNIX_MS",
]
TIMEZONES = ["UTC", "Europe/Brussels", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham",
             "America/Sao_Paulo", "Africa/Casablanca", "Europe/Dublin", "Asia/Tehran", "Pacific/Apia",
             "America/St_Johns", "Etc/GMT+5", "Asia/Kathmandu", "Europe/Kyiv",
             "America/Ciudad_Juarez", "localtime", "Factory", "posixrules", "right/UTC", "EST5EDT", "GMT0"]
# document fields: ordinary, and a few that collide with what stackgen or Elasticsearch own
NASTY_TARGETS = ["message", "message.x", "event", "event.original.x", "tags.x", "@meta.x", "@timestamp.x",
                 "_routing", "_ingest.x", "_version", "_type", "_field_names", "_source.x", "host", "a-b.c_d",
                 "_id.x", "log.flags", "log", "log.level"]
KEYS = ["TTY", "PWD", "USER", "COMMAND", "name", "UID", "SID", "HOST", "a b", "K-1", "\u00e9", "x.y", "S", "k",
        "(", "*", "1", "sid", "Ab"]
NULLS = ["-", "--", "n/a", "NaN", "nologin", "noip", "null", " ", "\"\"", "<unknown>", "0", "-1", "\u2014"]
BOOL_TOKENS = ["true", "false", "1", "0", "yes", "no", "Y", "N", "on", "off", "TRUE", "t", "f", "\u2713", "-"]
# Switches for the constructs behind bugs found so far.
# Schema constructs the validator now refuses are off in `schemas()` (which must stay valid) and on in
# `schemas(everything=True)`, whose schemas must be refused cleanly or work (test_fuzz.py).
REFUSED = ("nasty_targets", "self_first", "backref", "at_targets", "bad_zones", "odd_formats", "also_split",
           "unicode_regex", "shared_targets")
# Record and format features whose bugs were fixed in the engines stay on. STACKGEN_FUZZ_OFF turns any
# switch off, to hunt past a known bug.
ENABLED = {"nasty_targets": False, "self_first": False, "big_offsets": True, "backref": False, "at_targets": False,
           "other_dates": True, "bad_zones": False, "odd_formats": False, "also_split": False, "extreme_years": True,
           "folding": True, "unicode_regex": False, "unix": True, "shared_targets": False}
# patterns whose meaning differs between Joni and the local engine (Unicode, case folding, anchors)
UNICODE_PATTERNS = ("ALPHA", "LETTERS", "CASELESS", "CHOICE", "LINESTART", "ENDLINE", "HEXH", "BOUNDARY", "UESCAPE",
                    "UPPERCLASS")
BAD_ZONES = ("localtime", "Factory", "posixrules", "right/UTC", "EST5EDT", "GMT0")  # unknown to Java; tzdata skew
ODD_FORMATS = ("[dd/MMM/yyyy:HH:mm:ss]", "yyyy-MM-dd[HH:mm]", "HH:mm 'o''clock' dd.MM.yyyy", "dMyyyy Hmm")
NAME_STEMS = ["ts", "host", "prog", "pid", "msg", "user", "ip", "n", "d", "b", "lvl", "act", "x_", "a1", "client",
              "body", "k", "when", "list", "num", "ratio", "flag", "code"]


def _user_patterns() -> dict[str, Pat]:
    word = st.text(alphabet=string.ascii_letters, min_size=1, max_size=8)
    digits = st.text(alphabet=string.digits, min_size=1, max_size=6)
    return {
        "UPPER": Pat("[A-Z]+", st.text(alphabet=string.ascii_uppercase + "\u0130", min_size=1, max_size=6)),
        "HOSTNAME": Pat("[A-Za-z0-9][A-Za-z0-9_-]*(?:\\.[A-Za-z0-9_-]+)*",
                        st.lists(word, min_size=1, max_size=3).map(".".join)),
        "DIGITS": Pat("\\d+", st.text(alphabet=string.digits + UNICODE_DIGITS, min_size=1, max_size=6)),
        "WORDS": Pat("\\w+", st.text(alphabet=WORD + "_\u00e9" + FOLDING, min_size=1, max_size=6)),
        "NONBLANK": Pat("\\S+", st.text(alphabet=WORD + UNICODE_SPACES + "\u00e9", min_size=1, max_size=6)),
        "ALPHA": Pat("[[:alpha:]]+", st.text(alphabet=string.ascii_letters + "\u00e9\u0416", min_size=1, max_size=6)),
        "LETTERS": Pat("\\p{L}+", st.text(alphabet=string.ascii_letters + "\u00e9\u0416", min_size=1, max_size=6)),
        "CHOICE": Pat("(?i:accepted|failed)", st.sampled_from(["accepted", "FAILED", "Failed", "\u017failed", "acce"
                                                               "pted"])),
        "NUMLIST": Pat("[0-9]{1,3}(?:,[0-9]{3})*", st.sampled_from(["1", "1,000", "12,345,678", "1,00"])),
        "ADDRPORT": Pat("%{SG_IPV4}:%{SG_LONG}", st.sampled_from(["10.0.0.1:80", "1.2.3.4:99999", "1.2.3:4"])),
        "DOUBLED": Pat("([a-z])\\1", st.sampled_from(["aa", "ab", "zz"])),
        "OPTIONAL": Pat("a*", st.sampled_from(["", "a", "aaa", "b"])),
        "LAZY": Pat("\\S+?", digits),
        "KEEP": Pat("ab\\Kcd", st.sampled_from(["abcd", "cd"])),
        "REF": Pat("%{UPPER}-%{DIGITS}", st.sampled_from(["A-1", "AB-12", "a-1"])),
        "CASELESS": Pat("(?i)ok", st.sampled_from(["ok", "OK", "Ok", "o\u212a"])),
        "ANY": Pat("[\\s\\S]*", st.text(alphabet=NOISE_NL, max_size=8)),
        "HEX": Pat("[0-9a-fA-F]{2,8}", st.text(alphabet="0123456789abcdefABCDEFg", min_size=1, max_size=9)),
        "ATOMIC": Pat("(?>[a-z]+)[0-9]", st.sampled_from(["abc1", "abc", "a1"])),
        "LINESTART": Pat("^x+", st.sampled_from(["x", "xx", "\nxx"])),
        "ENDLINE": Pat("[a-z]+$", st.sampled_from(["abc", "abc\n", "ab1"])),
        "HEXH": Pat("\\h+", st.sampled_from(["ff", "x", " "])),
        "BOUNDARY": Pat("a\\b[\u00e9a]?", st.sampled_from(["a", "a\u00e9", "aa"])),
        "UESCAPE": Pat("\\u00e9+", st.sampled_from(["\u00e9", "u00e9"])),
        "UPPERCLASS": Pat("[[:upper:]]+", st.sampled_from(["AB", "\u00c9T\u00c9", "a"])),
    }


USER_PATTERNS = _user_patterns()


# -- dates ------------------------------------------------------------------------------------------

def tokenize_format(fmt: str) -> list[tuple[str, str]]:
    """(kind, text) pieces: tokens are runs of one letter, literals are quoted text or single characters."""
    out, i = [], 0
    while i < len(fmt):
        c = fmt[i]
        if c == "'":
            end = fmt.find("'", i + 1)
            end = len(fmt) if end < 0 else end
            out.append(("lit", fmt[i + 1:end] or "'"))
            i = end + 1
        elif c.isalpha():
            j = i
            while j < len(fmt) and fmt[j] == c:
                j += 1
            out.append(("tok", fmt[i:j]))
            i = j
        else:
            out.append(("lit", c))
            i += 1
    return out


@st.composite
def random_format(draw, adjacent: bool = True) -> str:
    """A format assembled from java.time letters in random order with random literals.

    `adjacent`: numbers may follow each other without a literal (`dMyyyy`), which the validator refuses.
    """
    parts = [draw(st.sampled_from(["MM", "M", "MMM"])), draw(st.sampled_from(["dd", "d"])),
             draw(st.sampled_from(["HH", "H"])), "mm"]
    if draw(st.booleans()):
        parts.append("yyyy")
    if draw(st.booleans()):
        parts.append("ss")
    if draw(st.booleans()):
        parts.append("EEE")
    if draw(st.booleans()):
        parts.append(draw(st.sampled_from(["XXX", "XX", "X", "Z"])))
    order = draw(st.permutations(parts))
    if "ss" in order and draw(st.booleans()):
        order = [*order, "." + "S" * draw(st.integers(1, 9))]
    seps = st.sampled_from([" ", "-", ":", "/", ".", ",", "_", "'T'", "'at'", "  "] + ([""] if adjacent else []))
    out = order[0]
    for piece in order[1:]:
        if piece.startswith("."):
            out += piece
        else:
            out += draw(seps) + piece
    return out


@dataclass(frozen=True)
class When:
    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    nanos: int
    offset: int  # minutes


def _civil_from_days(days: int) -> tuple[int, int, int]:
    # Howard Hinnant's algorithm (days since 1970-01-01 to a proleptic Gregorian date)
    days += 719468
    era = (days if days >= 0 else days - 146096) // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + (m <= 2), m, d)


def _weekday(y: int, m: int, d: int) -> int:
    """0 = Monday, for any proleptic date (invalid dates give some weekday)."""
    t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
    yy = y - (m < 3)
    sunday0 = (yy + yy // 4 - yy // 100 + yy // 400 + t[(m - 1) % 12] + d) % 7
    return (sunday0 + 6) % 7


OFFSETS = [0, 60, -300, 330, 345, -210, 840, -720, 1080, -1080, 1140, 1439, 1440, 5999, 90]
SMALL_OFFSETS = [0, 60, -300, 330, 345, -210, 840, -720, 1080, -1080]


@st.composite
def instants(draw, now: tuple | None) -> When:
    """A wall time: plausible, near the reference time, at DST edges, or an impossible calendar value."""
    kind = draw(weighted((6, "plain"), (2, "near_now"), (2, "edge"), (1, "extreme"), (1, "impossible"), (1, "limit")))
    if kind == "limit" and now is not None:
        # one day after the reference time, give or take less than a millisecond: the year-less cut-off
        y, m, d, hh, mi, ss = now
        from datetime import datetime, timedelta
        moment = datetime(y, m, d, hh, mi, ss) + timedelta(days=1)
        return When(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
                    draw(st.sampled_from([500, 400_000, 999_999, 0])), 0)
    nanos = draw(st.sampled_from([0, 500, 123_000_000, 999_999_999, 1, 1000]))
    offset = draw(weighted((6, st.just(0)), (3, st.sampled_from(OFFSETS if ENABLED["big_offsets"] else SMALL_OFFSETS))))
    if kind == "near_now" and now is not None:
        y, m, d, hh, mi, ss = now
        shift = draw(st.sampled_from([0, 1, -1, 2, -40, 200, -200, -366]))
        from datetime import datetime, timedelta
        moment = datetime(y, m, d, hh, mi, ss) + timedelta(days=shift, seconds=draw(st.sampled_from([0, 1, -1, 3600])))
        return When(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second, nanos, offset)
    if kind == "edge":
        y, m, d, hh, mi = draw(st.sampled_from([
            (2017, 3, 26, 2, 30), (2017, 10, 29, 2, 30), (2021, 3, 14, 2, 30), (2021, 11, 7, 1, 30),
            (2024, 2, 29, 12, 0), (2023, 2, 29, 12, 0), (2011, 12, 30, 12, 0), (2023, 12, 31, 23, 59),
            (2024, 1, 1, 0, 0), (2022, 10, 2, 2, 15), (1970, 1, 1, 0, 0), (2038, 1, 19, 3, 14)]))
        return When(y, m, d, hh, mi, draw(st.sampled_from([0, 59])), nanos, offset)
    if kind == "extreme" and ENABLED["extreme_years"]:
        y = draw(st.sampled_from([0, 1, 99, 1000, 1582, 1883, 1900, 9999]))
        m, d = draw(st.sampled_from([(1, 1), (12, 31), (10, 10), (6, 15)]))
        return When(y, m, d, draw(st.sampled_from([0, 23])), draw(st.sampled_from([0, 59])), 59, nanos, offset)
    if kind in ("impossible", "extreme"):
        return When(draw(st.integers(1990, 2030)), draw(st.sampled_from([0, 2, 4, 13, 2])),
                    draw(st.sampled_from([30, 31, 0, 32, 29])), draw(st.sampled_from([24, 23, 99])),
                    draw(st.sampled_from([60, 0])), draw(st.sampled_from([60, 0])), nanos, offset)
    days = draw(st.integers(-15000, 25000))
    y, m, d = _civil_from_days(days)
    return When(y, m, d, draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59)), nanos, offset)


def _offset_text(minutes: int, style: str, zulu: bool) -> str:
    if minutes == 0 and zulu and style != "Z":
        return "Z"
    sign = "-" if minutes < 0 else "+"
    hh, mm = divmod(abs(minutes), 60)
    if minutes == 5999:
        hh, mm = 99, 59
    if minutes == 90:
        hh, mm = 0, 90  # minutes out of range
    if style == "XXX":
        return f"{sign}{hh:02d}:{mm:02d}"
    if style == "X" and mm == 0:
        return f"{sign}{hh:02d}"
    return f"{sign}{hh:02d}{mm:02d}"


def _case(draw, word: str) -> str:
    forms = [word, word.upper(), word.lower(), word[0].lower() + word[1:].upper()]
    if ENABLED["folding"]:
        forms += [word.replace("s", "\u017f").replace("S", "\u017f"), word.replace("i", "\u0131")]
    return draw(st.sampled_from(forms))


@st.composite
def date_text(draw, fmt: str, now: tuple | None) -> str:
    w = draw(instants(now))
    zulu = draw(st.booleans())
    if fmt == "UNIX":
        secs = draw(st.sampled_from([0, 1, 1700000000, 2147483648, 9999999999, 253402300799]))
        return str(secs) + draw(st.sampled_from(["", ".5", ".123456789", ".", ".1234567891"]))
    if fmt == "UNIX_MS":
        return str(draw(st.sampled_from([0, 1, 1700000000123, 9999999999999, 99999999999999])))
    if fmt == "ISO8601":
        text = f"{w.year:04d}-{w.month:02d}-{w.day:02d}T{w.hour:02d}:{w.minute:02d}"
        if draw(st.booleans()):
            text += f":{w.second:02d}"
            if draw(st.booleans()):
                text += "." + f"{w.nanos:09d}"[:draw(st.integers(1, 9))]
        style = draw(st.sampled_from(["none", "XXX", "none"]))
        if style != "none":
            text += _offset_text(w.offset, "XXX", zulu)
        return draw(st.sampled_from([text, text, text.replace("T", " "), text.lower()]))
    out = []
    dayname = DAYS[_weekday(w.year, w.month, w.day)]
    for kind, piece in tokenize_format(fmt):
        if kind == "lit":
            out.append(piece)
            continue
        c, n = piece[0], len(piece)
        if c == "y":
            out.append(f"{w.year:04d}")
        elif c == "M" and n == 3:
            out.append(_case(draw, MONTHS[(w.month - 1) % 12]))
        elif c == "M":
            out.append(f"{w.month:0{n}d}" if n == 2 or draw(st.booleans()) else f"{w.month:02d}")
        elif c == "d":
            out.append(f"{w.day:0{n}d}")
        elif c == "E":
            wrong = draw(st.integers(0, 9)) == 0
            out.append(_case(draw, DAYS[(DAYS.index(dayname) + wrong) % 7]))
        elif c == "H":
            out.append(f"{w.hour:0{n}d}")
        elif c == "m":
            out.append(f"{w.minute:02d}")
        elif c == "s":
            out.append(f"{w.second:02d}")
        elif c == "S":
            out.append(f"{w.nanos:09d}"[:n])
        elif c in "XZ":
            out.append(_offset_text(w.offset, piece if c == "X" else "Z", zulu))
        else:
            out.append(piece)
    return "".join(out)


# -- addresses --------------------------------------------------------------------------------------

@st.composite
def ip_text(draw) -> str:
    kind = draw(weighted((4, "v4"), (4, "v6"), (1, "mapped"), (2, "odd")))
    if kind == "v4":
        return str(ipaddress.IPv4Address(draw(st.integers(0, 2**32 - 1))))
    if kind == "v6":
        addr = ipaddress.IPv6Address(draw(st.integers(0, 2**128 - 1)) >> draw(st.sampled_from([0, 64, 100, 120])))
        text = draw(st.sampled_from([addr.compressed, addr.exploded, addr.compressed.upper()]))
        return text
    if kind == "mapped":
        v4 = ipaddress.IPv4Address(draw(st.integers(0, 2**32 - 1)))
        return draw(st.sampled_from([f"::ffff:{v4}", f"::{v4}", f"64:ff9b::{v4}", f"1:2:3:4:5:6:{v4}"]))
    return draw(st.sampled_from(["1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "::", "fe80::1%eth0", "01.2.3.4",
                                 "256.1.1.1", "1.2.3", "1:2:3:4:5:6:7:8:9", "1::2::3", "::ffff:1.2.3.4.5",
                                 "localhost", "web-01.example.org", "-", "a_b.c", "1.2.3.4.", "1:2:3:4:5:6:7:1.2.3.4"]))


# -- schema generation -------------------------------------------------------------------------------

class Builder:
    """Draws values one at a time, registering each (and the patterns and values it refers to)."""

    def __init__(self, draw, core: str | None, everything: bool = False):
        self.draw = draw
        self.on = {k: v or (everything and k in REFUSED) for k, v in ENABLED.items()}
        self.core = core  # a delimited layout's visible separator character
        self.values: dict[str, Val] = {}
        self.patterns: dict[str, Pat] = {}
        self.count = 0
        self.claimed: list[tuple[str, str]] = [("@timestamp", "date")]
        self.namespace = "fuzz"

    def name(self) -> str:
        self.count += 1
        return f"{self.draw(st.sampled_from(NAME_STEMS))}{self.count}"

    def safe(self, texts: list[str]) -> list[str]:
        """Texts a delimited value may declare without the separator-safety check refusing it."""
        return [t for t in texts if not (self.core and self.core in t)]

    def claim(self, target: str, kind: str) -> bool:
        """The validator's target rules: one type per field, no field inside another, nothing reserved."""
        if target in ("tags", "event.original", "_id", "_index", "_source") or target.startswith("@metadata") \
                or target.startswith("sg_"):
            return False
        if target == "@timestamp" and kind != "date":
            return False
        for other, other_kind in self.claimed:
            if other == target and other_kind != kind:
                return False
            if other.startswith(target + ".") or target.startswith(other + "."):
                return False
        self.claimed.append((target, kind))
        return True

    def target(self, name: str, kind: str) -> str | None:
        """A document field for a value: the default (None), an ordinary one, a shared or a colliding one."""
        draw = self.draw
        choice = draw(weighted((8, "default"), (3, "field"), (1, "nasty"), (1, "sharing")))
        if choice == "nasty" and not self.on["nasty_targets"]:
            choice = "field"
        if choice == "nasty":
            target = draw(st.sampled_from(NASTY_TARGETS))
            if target == "message" and kind not in ("keyword", "text"):
                choice = "field"
            elif self.claim(target, kind):
                return target
        if choice == "sharing" and self.on["shared_targets"]:
            same = [t for t, k in self.claimed if k == kind and t.startswith("f.")]
            if same:
                return draw(st.sampled_from(same))
        if choice == "default":
            return None
        target = draw(st.sampled_from(["f", "Aa", "_x", "a-b", "@m"] if self.on["at_targets"] else ["f", "Aa", "x_"]))
        target += "." + name
        self.claim(target, kind)
        return target

    def extra_target(self, name: str, suffix: str, kind: str, nasty: bool = True) -> str:
        if nasty and self.draw(st.integers(0, 6)) == 0 and self.on["nasty_targets"]:
            target = self.draw(st.sampled_from(NASTY_TARGETS))
            if self.claim(target, kind):
                return target
        target = f"f.{name}_{suffix}"
        self.claim(target, kind)
        return target

    def value(self, kind: str | None = None, *, plain: bool = False, depth: int = 0, target: str | None = None) -> str:
        """Draw a value (of `kind`, or any), register it, return its name.

        `plain`: no list, address split, key list, pattern or labels (discriminators, bodies).
        """
        draw = self.draw
        name = self.name()
        if kind is None:
            kind = draw(weighted((5, "keyword"), (2, "text"), (2, "long"), (1, "integer"), (1, "double"),
                                 (1, "float"), (1, "boolean"), (2, "ip"), (1, "date")))
            if kind == "date" and not self.on["other_dates"]:
                kind = "long"
        if kind == "ip" and self.core and self.core in ":.":
            kind = "keyword"  # an address can hold the separator: the validator refuses it (SG022)
        spec: dict = {}
        if kind != "keyword" or draw(st.booleans()):
            spec["type"] = kind
        v = Val(name, kind, spec)
        self.values[name] = v
        if target is not None:
            self.claim(target, kind)
            spec["target"] = target
        elif kind in ("keyword", "text") and draw(st.integers(0, 9)) == 0:
            spec["target"] = None  # parse-only
        else:
            chosen = self.target(name, kind)
            if chosen is not None:
                spec["target"] = chosen
            else:
                self.claim(f"{self.namespace}.{name}", kind)
        parse_only = "target" in spec and spec["target"] is None
        if draw(st.integers(0, 3)) == 0:
            nulls = self.safe(draw(st.lists(st.sampled_from(NULLS), min_size=1, max_size=3, unique=True)))
            if kind == "date":
                nulls = [n for n in nulls if n.strip()]
            if nulls:
                v.nulls = nulls
                spec["null_values"] = nulls
        if kind == "date":
            pool = self.safe([f for f in FORMATS if (self.on["odd_formats"] or f not in ODD_FORMATS)
                              and (self.on["unix"] or not f.startswith("UNIX"))])
            pool += self.safe([draw(random_format(adjacent=self.on["odd_formats"]))] if draw(st.booleans()) else [])
            v.formats = self.safe(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))) \
                or ["UNIX_MS"]
            if len(v.formats) == 1 and draw(st.booleans()):
                spec["format"] = v.formats[0]
            else:
                spec["formats"] = v.formats
            zones = [z for z in TIMEZONES if self.on["bad_zones"] or z not in BAD_ZONES]
            spec["timezone"] = draw(weighted((6, st.just("UTC")), (4, st.sampled_from(zones))))
        if kind == "boolean" and (draw(st.booleans()) or self.safe(["true", "false"]) != ["true", "false"]):
            tokens = self.safe(draw(st.lists(st.sampled_from(BOOL_TOKENS), min_size=2, max_size=4, unique=True)))
            if len(tokens) < 2:
                tokens = ["1", "0"] if self.core not in "10" else ["Y", "N"]
            cut = draw(st.integers(1, len(tokens) - 1))
            v.trues, v.falses = tokens[:cut], tokens[cut:]
            spec["true_values"], spec["false_values"] = v.trues, v.falses
        if plain:
            return name
        if kind in ("keyword", "text") and draw(st.integers(0, 5)) == 0:
            pname = draw(st.sampled_from(sorted(p for p in USER_PATTERNS if (p != "DOUBLED" or self.on["backref"])
                                                and (p not in UNICODE_PATTERNS or self.on["unicode_regex"]))))
            self._pattern(pname)
            v.pattern = pname
            spec["pattern"] = pname
        if not parse_only and draw(st.integers(0, 7)) == 0:
            keys = self.safe(draw(st.lists(st.sampled_from(["0", "1", "2", "a", "INFO", "x y", ""]), min_size=1,
                                           max_size=3, unique=True)))
            if keys:
                v.labels = {k: draw(st.sampled_from(["global", "albums", "it's", 'say "hi"',
                                                     "\u00e9t\u00e9"])) for k in keys}
                spec["labels"] = v.labels
                spec["label_target"] = self.extra_target(name, "label", "keyword")
        if kind == "keyword" and not v.pattern and depth < 2:
            extra = draw(weighted((10, "none"), (2, "split"), (2, "iphost"), (1, "keys")))
            if extra == "split":
                v.split = draw(st.sampled_from([", ", ",", " ", ";", "|", "  ", ", ,", " , ", "\\;", "$", "."]))
                spec["split"] = v.split
                if draw(st.booleans()):
                    first = draw(weighted((6, "new"), (1, "self")))
                    v.first = name if first == "self" and self.on["self_first"] else self.value(depth=depth + 1)
                    spec["first"] = v.first
            elif extra == "iphost":
                v.iphost = True
                spec["ip_target"] = self.extra_target(name, "ip", "ip")
                if draw(st.booleans()):
                    spec["host_target"] = self.extra_target(name, "host", "keyword")
            elif extra == "keys":
                self._keys(v, depth)
        if kind == "text" and depth < 2 and draw(st.integers(0, 4)) == 0:
            self._keys(v, depth)
        if kind in ("keyword", "text") and draw(st.integers(0, 7)) == 0 and (self.on["also_split"] or not v.split):
            spec["also"] = [self.extra_target(name, f"also{i}", kind) for i in range(draw(st.integers(1, 2)))]
            spec["also"] = list(dict.fromkeys(spec["also"]))
        if draw(st.integers(0, 9)) == 0:
            spec["description"] = draw(st.text(alphabet=NOISE, min_size=1, max_size=10))
        return name

    def _keys(self, v: Val, depth: int) -> None:
        draw = self.draw
        style = draw(st.sampled_from(["pairs", "pairs", "parens"]))
        mapping = {}
        for key in draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=4, unique=True)):
            mapping[key] = self.value(draw(weighted((5, "keyword"), (1, "long"), (1, "ip"), (1, "text"),
                                                    (1, "boolean"))), depth=depth + 1)
        keys = {"style": style, "pair": " ", "vsep": "=", "map": mapping}
        spec: dict = {}
        if style == "parens" or draw(st.booleans()):
            spec["style"] = style
        if style == "pairs" and draw(st.booleans()):
            keys["pair"] = draw(st.sampled_from([" ; ", ", ", ";", "&", " ", "  ", "=", "\t"]))
            spec["pair_separator"] = keys["pair"]
        if draw(st.booleans()):
            keys["vsep"] = draw(st.sampled_from(["=", ":", ": ", "=>", " "]))
            spec["value_separator"] = keys["vsep"]
        spec["map"] = mapping
        v.keys = keys
        v.spec["keys"] = spec

    def _pattern(self, name: str) -> None:
        pat = USER_PATTERNS[name]
        self.patterns[name] = pat
        for ref in ("UPPER", "DIGITS"):
            if "%{" + ref + "}" in pat.regex:
                self._pattern(ref)


def _visible_separator(draw) -> str:
    return draw(st.sampled_from(SEPARATORS))


@st.composite
def literal(draw, nested: bool, avoid: str = "") -> Lit:
    alphabet = "".join(c for c in (WORD + PUNCT + "\u00e9\u2192" + ASTRAL) if c not in " \t%" + avoid
                       and not (nested and c == "}"))
    text = draw(weighted((4, st.sampled_from(["[", "]", ":", "\"", " - ", "=", "(", ")", "{", "}", "/", ",", "<", ">",
                                              "port", "for", "from", "#", "'", "\\", "|"])),
                         (2, st.text(alphabet=alphabet, min_size=1, max_size=4))))
    text = "".join(c for c in text if c not in " \t" and not (nested and c == "}"))
    return Lit(text or "-")


@st.composite
def template(draw, b: Builder, slots: list[str], quoted: bool = True) -> tuple:
    """Items holding each of `slots` once, with literals, blanks and optional parts between them."""
    items: list = []
    if draw(st.booleans()):
        items.append(draw(literal(nested=False)))
        if draw(st.booleans()):
            items.append(Blank())
    for i, name in enumerate(slots):
        if i:
            items.append(draw(weighted((3, st.just(Blank(draw(st.sampled_from([" ", "  ", "\t", " \t"]))))),
                                       (3, literal(nested=False)), (1, st.just("both")))))
            if items[-1] == "both":
                items[-1] = draw(literal(nested=False))
                items.append(Blank())
        piece: list = [Slot(name)]
        if quoted and draw(st.integers(0, 4)) == 0:
            piece = [Lit('"'), Slot(name), Lit('"')]
        if draw(st.integers(0, 3)) == 0 and i:
            inner = [draw(literal(nested=True)), *piece] if draw(st.booleans()) else [Blank(), *piece]
            if draw(st.booleans()):
                inner.append(draw(literal(nested=True)))
            piece = [Opt(tuple(inner))]
        elif draw(st.integers(0, 9)) == 0 and i == 0 and len(slots) > 1:
            piece = [Opt((*piece, draw(literal(nested=True))))]  # `{?{a}x}` first
        items += piece
    if draw(st.integers(0, 3)) == 0:
        items.append(draw(literal(nested=False)))
    # merge adjacent literals (as the template reader would), keep the tuple form
    merged: list = []
    for item in items:
        if merged and isinstance(item, Lit) and isinstance(merged[-1], Lit):
            merged[-1] = Lit(merged[-1].text + item.text)
        else:
            merged.append(item)
    return tuple(merged)


def _adjacent_slots(items, prev: bool = False) -> bool:
    """The reader's rule: a slot may not directly follow a slot (also into an optional part)."""
    for item in items:
        if isinstance(item, Slot):
            if prev:
                return True
            prev = True
        elif isinstance(item, Opt):
            if _adjacent_slots(item.items, prev):
                return True
            prev = False
        else:
            prev = False
    return False


@st.composite
def schemas(draw, everything: bool = False) -> Case:
    """A schema; `everything`: also with the constructs the validator refuses (REFUSED)."""
    kind = draw(st.sampled_from(["delimited", "pattern"]))
    now = None
    doc: dict = {"schema_version": draw(st.sampled_from([2, 1])), "name": draw(st.sampled_from(["fuzz", "f-1", "x_y"]))}
    if draw(st.booleans()):
        doc["title"] = draw(st.text(alphabet=WORD + PUNCT + " " + UNICODE, min_size=1, max_size=12))
    if draw(st.booleans()):
        doc["namespace"] = draw(st.sampled_from(["ns", "a.b", "fuzz_x"]))
    doc["source"] = {"paths": ["/var/log/fuzz.log"]}
    multiline = draw(st.integers(0, 3)) == 0
    if multiline:
        doc["source"]["multiline"] = {"start": draw(st.sampled_from(["^\\S", "^[0-9]", "^[^\\t]", "^(?:[^ ]|$)"]))}
        if draw(st.booleans()):
            doc["source"]["multiline"]["max_lines"] = draw(st.sampled_from([1, 2, 3, 500]))
    if kind == "delimited":
        case = draw(_delimited(doc, everything))
    else:
        case = draw(_patterned(doc, everything))
    case.multiline = multiline
    b = case._builder  # type: ignore[attr-defined]
    yearless = any("y" not in f and f not in ("ISO8601", "UNIX", "UNIX_MS") for v in b.values.values()
                   for f in v.formats)
    if yearless or draw(st.integers(0, 4)) == 0:
        y, m, d = draw(st.sampled_from([(2024, 6, 15), (2024, 1, 1), (2023, 12, 31), (2024, 2, 29), (2021, 3, 1)]))
        hh, mi, ss = draw(st.sampled_from([(12, 0, 0), (0, 0, 0), (23, 59, 59), (0, 30, 0)]))
        now = (y, m, d, hh, mi, ss)
        frac = draw(st.sampled_from(["", "", ".0005", ".999"]))
        off = draw(st.sampled_from(["Z", "Z", "+05:00", "-11:00"]))
        doc["verify"] = {"now": f"{y:04d}-{m:02d}-{d:02d}T{hh:02d}:{mi:02d}:{ss:02d}{frac}{off}"}
        case.now = now
    if draw(st.integers(0, 4)) == 0:
        doc["keep_original"] = "always"
    if b.patterns:
        doc["patterns"] = {k: p.regex for k, p in b.patterns.items()}
    doc["values"] = {name: (v.spec or None) if v.spec or draw(st.booleans()) else {} for name, v in b.values.items()}
    # move keys to a readable order
    order = ["schema_version", "name", "title", "namespace", "index", "source", "layout", "variants",
             "default_variant", "timestamp", "keep_original", "verify", "patterns", "values"]
    case.doc = {k: doc[k] for k in order if k in doc}
    case.text = dump(case.doc)
    case.values = b.values
    case.patterns = b.patterns
    del case._builder  # type: ignore[attr-defined]
    return case


def _timestamp(b: Builder) -> str:
    return b.value("date", plain=True, target="@timestamp")


@st.composite
def _delimited(draw, doc: dict, everything: bool = False) -> Case:
    sep = _visible_separator(draw)
    core = sep.strip()[:1]
    b = Builder(draw, core, everything)
    b.namespace = doc.get("namespace") or doc["name"]
    ts = _timestamp(b)
    head = [ts] + [b.value() for _ in range(draw(st.integers(0, 2)))]
    head = draw(st.permutations(head))
    select = draw(weighted((3, "discriminator"), (2, "first_match"), (1, "field_count"), (1, "none")))
    layout: dict = {"separator": sep, "head": list(head)}
    case = Case(doc, "", {}, {}, "delimited", separator=sep)
    variants: dict = {}
    if select == "discriminator":
        disc = b.value("keyword", plain=True)
        head.insert(draw(st.integers(0, len(head))), disc)
        layout["head"] = list(head)
        layout["discriminator"] = disc
        case.discriminator = disc
        keys = draw(st.lists(st.sampled_from(["login", "logout", "view", "a b", "it's", 'q"x', "\u00e9",
                                              "1", "", "x" * 3]), max_size=4, unique=True))
        keys = [k for k in keys if not (core and core in k)]
        for key in keys:
            variants[key] = {"fields": [b.value() for _ in range(draw(st.integers(0, 3)))]}
        default = draw(weighted((3, "omit"), (1, "fail"), (1, "empty"), (1, "names")))
        if default == "fail":
            doc["default_variant"] = "fail"
        elif default == "empty":
            doc["default_variant"] = []
        elif default == "names":
            case.default = [b.value() for _ in range(draw(st.integers(1, 2)))]
            doc["default_variant"] = case.default
    elif select in ("first_match", "field_count"):
        layout["select"] = select
        lengths = draw(st.lists(st.integers(0, 3), min_size=1, max_size=4, unique=select == "field_count"))
        for i, n in enumerate(lengths):
            variants[f"v{i}"] = {"fields": [b.value() for _ in range(n)]}
            if select == "first_match" and draw(st.integers(0, 3)) == 0:
                cond_on = draw(st.sampled_from(head))
                variants[f"v{i}"]["when"] = {cond_on: draw(st.sampled_from(["a", ["a", "b"], "1"]))}
        if draw(st.booleans()):
            doc["default_variant"] = draw(st.sampled_from(["fail", []]))
    elif draw(st.integers(0, 2)) == 0:  # no variants: every record may carry these values after the head
        case.default = [b.value() for _ in range(draw(st.integers(1, 2)))]
        doc["default_variant"] = case.default
    if draw(st.integers(0, 5)) == 0:
        cont = draw(template(b, [b.value(), b.value()] if draw(st.booleans()) else [b.value()]))
        layout["continuation"] = template_text(cont)
        case.continuation = cont
    doc["layout"] = layout
    if variants:
        out = {}
        for key, spec in variants.items():
            if "when" in spec:
                out[key] = {"when": spec["when"], "fields": spec["fields"]}
            elif draw(st.integers(0, 5)) == 0:
                out[key] = {"fields": spec["fields"]}
            else:
                out[key] = spec["fields"]
        doc["variants"] = out
    doc["timestamp"] = ts
    case.head = list(head)
    case.variants = variants
    case._builder = b  # type: ignore[attr-defined]
    case.literal_chars = frozenset(sep)
    return case


@st.composite
def _patterned(draw, doc: dict, everything: bool = False) -> Case:
    b = Builder(draw, None, everything)
    b.namespace = doc.get("namespace") or doc["name"]
    ts = _timestamp(b)
    case = Case(doc, "", {}, {}, "pattern")
    body = None
    use_body = draw(st.booleans())
    common = [b.value() for _ in range(draw(st.integers(0, 3)))]
    if use_body:
        body = b.value(draw(st.sampled_from(["keyword", "text", "text"])), plain=True)
    templates = []
    for i in range(draw(st.integers(1, 3))):
        names = [ts] + (draw(st.lists(st.sampled_from(common), unique=True)) if i and common else common)
        if i and draw(st.booleans()):
            names = names[1:] or names  # a template without the timestamp
        names = list(draw(st.permutations(names)))
        if body is not None and (i == 0 or draw(st.booleans())):
            names.append(body)
        items = draw(template(b, names))
        if _adjacent_slots(items) or not items:
            items = tuple(x for n in names for x in (Lit("<"), Slot(n), Lit(">")))
        templates.append(items)
    layout: dict = {}
    if len(templates) == 1 and draw(st.booleans()):
        layout["pattern"] = template_text(templates[0])
    else:
        layout["patterns"] = [template_text(t) for t in templates]
    head_names = sorted({n for t in templates for n in template_slots(t)})
    variants: dict = {}
    if body is not None:
        layout["body"] = body
        for i in range(draw(st.integers(0, 4))):
            vnames = [b.value() for _ in range(draw(st.integers(0, 3)))]
            if vnames:
                items = draw(template(b, vnames))
                if _adjacent_slots(items):
                    items = tuple(x for n in vnames for x in (Lit("<"), Slot(n), Lit(">")))
            else:
                items = (draw(literal(nested=False)),)  # a variant of literal text only
            spec: dict = {"template": items}
            if draw(st.booleans()):
                on = draw(st.sampled_from([n for n in head_names if n != body] or head_names))
                spec["when"] = {on: draw(st.sampled_from(["a", "sshd", ["x", "y"], "1", "it's", 'q"']))}
            variants[f"m{i}"] = spec
        if draw(st.booleans()):
            doc["default_variant"] = draw(st.sampled_from(["keep", "fail", []]))
    if draw(st.integers(0, 5)) == 0:
        cont = draw(template(b, [b.value() for _ in range(draw(st.integers(1, 2)))]))
        if not _adjacent_slots(cont):
            layout["continuation"] = template_text(cont)
            case.continuation = cont
    doc["layout"] = layout
    if variants:
        doc["variants"] = {k: ({"when": s["when"]} if "when" in s else {}) | {"pattern": template_text(s["template"])}
                           for k, s in variants.items()}
    doc["timestamp"] = ts
    case.templates = templates
    case.body = body
    case.variants = variants
    case.literal_chars = frozenset(c for t in [*templates, *(s["template"] for s in variants.values())]
                                   for c in literal_chars(t))
    case._builder = b  # type: ignore[attr-defined]
    return case


# -- records ---------------------------------------------------------------------------------------------

@st.composite
def noise(draw, newlines: bool = True) -> str:
    alphabet = NOISE_NL if newlines else NOISE
    return draw(weighted(
        (6, st.text(alphabet=alphabet, max_size=12)),
        (2, st.sampled_from(["", " ", "\t", "\r", "\n", '"', '\\"', "\\", "'", "\r\n", " \r", "\x00", "\x7f",
                             "\u200b", "\ufeff", ASTRAL, "\ud7ff", "{}", "%{X}", "''", "a\rb"])),
        (1, st.tuples(st.sampled_from(["a", "\u00e9", ASTRAL[0], "ab ", "|"]),
                      st.sampled_from([20000, 1025, 8192])).map(lambda t: t[0] * t[1])),
        (1, st.text(max_size=8)),
    ))


@st.composite
def clean_word(draw, case: Case, avoid_blanks: bool = True) -> str:
    bad = set(case.literal_chars) | ({" ", "\t"} if avoid_blanks else set())
    alphabet = "".join(c for c in WORD + "_-.\u00e9" if c not in bad) or "q"
    return draw(st.text(alphabet=alphabet, min_size=1, max_size=8))


@st.composite
def value_text(draw, case: Case, name: str, clean: bool = True, slot: str = "field") -> str:
    """The text of one value: its typed form mostly, else a null value, nothing, a wrong type or noise."""
    v = case.values[name]
    choice = draw(weighted((12, "valid"), (2, "null"), (1, "empty"), (2, "wrong"), (3 if not clean else 1, "noise")))
    if choice == "null" and v.nulls:
        return draw(st.sampled_from(v.nulls))
    if choice == "empty":
        return ""
    if choice == "noise":
        return draw(noise(newlines=case.multiline))
    if choice == "wrong":
        return draw(st.sampled_from(["abc", "12k3", "-", "1.5", "99999999999999999999", "1e5", "NaN", "Infinity",
                                     "0x1F", "+7", "-0", "007", "TRUE", "1.2.3.4", "2024-02-30 00:00:00", " 1",
                                     "1 ", "\u0663", "\uff13", "0.1e-3", "-.5", "5."]))
    if v.labels and draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(sorted(v.labels)))
    if v.split:
        n = draw(st.integers(1, 3))
        parts = [draw(value_text(case, v.first, clean, slot)) if v.first and v.first != name and i == 0
                 else draw(clean_word(case)) for i in range(n)]
        return v.split.join(parts)
    if v.keys:
        return draw(key_list(case, v))
    if v.pattern:
        return draw(case.patterns[v.pattern].sample)
    if v.iphost:
        return draw(weighted((3, ip_text()), (2, st.sampled_from(["web01", "db-2.example.org", "a_b", "x.", "-h"])),
                             (1, clean_word(case))))
    t = v.type
    if t in ("long", "integer"):
        digits = draw(st.integers(1, 9 if t == "integer" else 18))
        return draw(st.sampled_from(["", "-", "+", ""])) + str(draw(st.integers(0, 10**digits - 1))).zfill(
            draw(st.sampled_from([1, 1, digits])))
    if t in ("double", "float"):
        whole = str(draw(st.integers(0, 10**draw(st.integers(1, 15)) - 1)))
        frac = draw(st.sampled_from(["", ".5", ".25", ".000000000000001", "." + "9" * 15, ".1"]))
        return draw(st.sampled_from(["", "-"])) + whole + frac
    if t == "boolean":
        return draw(st.sampled_from([*v.trues, *v.falses]))
    if t == "ip":
        return draw(ip_text())
    if t == "date":
        return draw(date_text(draw(st.sampled_from(v.formats)), case.now))
    if t == "text":
        words = draw(st.lists(clean_word(case), min_size=1, max_size=4))
        return " ".join(words)
    return draw(clean_word(case, avoid_blanks=slot != "last"))


@st.composite
def key_list(draw, case: Case, v: Val) -> str:
    keys = v.keys
    mapped = list(keys["map"])
    chosen = draw(st.lists(st.sampled_from(mapped + ["OTHER", "tty"]), max_size=5))
    parts = []
    for key in chosen:
        text = draw(value_text(case, keys["map"][key], slot="key")) if key in keys["map"] else draw(clean_word(case))
        if keys["style"] == "parens":
            if draw(st.integers(0, 3)) == 0:
                text = f"(INNER={text})"
            parts.append(f"({draw(st.sampled_from([key, key.lower(), key.upper()]))}{keys['vsep']}{text})")
        else:
            parts.append(f"{key}{keys['vsep']}{text}")
    if keys["style"] == "parens":
        return "(DATA=" + "".join(parts) + ")" if draw(st.booleans()) else "".join(parts)
    return keys["pair"].join(parts)


@st.composite
def render_items(draw, case: Case, items: tuple, fills: dict[str, str], last: bool = True) -> str:
    out = []
    for i, item in enumerate(items):
        if isinstance(item, Lit):
            out.append(item.text)
        elif isinstance(item, Blank):
            out.append(draw(st.sampled_from([" ", " ", "  ", "\t", " \t "])))
        elif isinstance(item, Opt):
            if draw(st.booleans()):
                out.append(draw(render_items(case, item.items, fills, last=False)))
        elif item.name in fills:
            out.append(fills[item.name])
        else:
            is_last = last and i == len(items) - 1
            out.append(draw(value_text(case, item.name, slot="last" if is_last else "slot")))
    return "".join(out)


@st.composite
def record(draw, case: Case) -> str:
    """One record of text (it may contain newlines: framing decides what a record is)."""
    if draw(st.integers(0, 9)) == 0:
        return draw(noise())
    if case.kind == "delimited":
        text = _delimited_record(draw, case)
    else:
        text = _pattern_record(draw, case)
    if case.continuation is not None and draw(st.integers(0, 2)) == 0:
        text += "\n" + draw(render_items(case, case.continuation, {}))
    mutation = draw(weighted((12, "none"), (1, "trailing"), (1, "cr"), (1, "tab"), (1, "cut"), (1, "newline")))
    if mutation == "trailing":
        text += draw(st.sampled_from([" ", "\t", "  ", case.separator or " ", (case.separator or "").rstrip()]))
    elif mutation == "cr":
        text += "\r"
    elif mutation == "tab":
        text = "\t" + text
    elif mutation == "cut" and text:
        text = text[:draw(st.integers(0, len(text) - 1))]
    elif mutation == "newline" and text:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(["\n", "\n\t", "\r\n", "\n\n"])) + text[at:]
    return text


def _delimited_record(draw, case: Case) -> str:
    sep = case.separator
    fields: dict[str, str] = {}
    names = list(case.head)
    if case.variants:
        key = draw(st.sampled_from(sorted(case.variants) + ["unknown"]))
        spec = case.variants.get(key, {"fields": case.default or []})
        if case.discriminator:
            fields[case.discriminator] = key if draw(st.integers(0, 5)) else draw(noise(newlines=False))
        for cond_on, want in spec.get("when", {}).items():
            fields[cond_on] = want if isinstance(want, str) else want[0]
        names += spec["fields"]
    elif case.default:
        names += case.default
    texts = [fields[n] if n in fields else draw(value_text(case, n)) for n in names]
    extra = draw(weighted((10, 0), (1, 1), (1, -1)))
    if extra > 0:
        texts.append(draw(clean_word(case)))
    elif extra < 0 and len(texts) > 1:
        texts.pop()
    return sep.join(texts)


def _pattern_record(draw, case: Case) -> str:
    items = draw(st.sampled_from(case.templates))
    fills: dict[str, str] = {}
    if case.body is not None and case.variants and draw(st.integers(0, 4)):
        key = draw(st.sampled_from(sorted(case.variants)))
        spec = case.variants[key]
        for cond_on, want in spec.get("when", {}).items():
            fills[cond_on] = want if isinstance(want, str) else draw(st.sampled_from(want))
        fills[case.body] = draw(render_items(case, spec["template"], {}))
    return draw(render_items(case, items, fills))


@st.composite
def log_text(draw, case: Case, min_records: int = 1, max_records: int = 30) -> str:
    records = draw(st.lists(record(case), min_size=min_records, max_size=max_records))
    return "\n".join(records) + draw(st.sampled_from(["\n", "", "\r\n", "\n\n"]))


# -- invalid schemas -------------------------------------------------------------------------------------

YAML_CHARS = ":-[]{},#&*!|>'\"%@` \n\t?" + "abcxyz019_." + "\u00e9" + ASTRAL
WEIRD_SCALARS = ["{", "}", "{?", "{{", "}}", "%{X}", "%{SG_IP}", "'", "[", "ISO8601x", "yyyy-MM-dd'", "MMM", "",
                 " ", "{a}{b}", "{?}", "{?{a}", "{a", "a}", "{ts}", "{{ts}}", "{?{ts}}", "(?<x>a)", "a.b", "(", "\\",
                 "[a-z", "x{1000000}", "(a+)+", "%{", "SG_X", "\t", "\n", "\x85", "yyyy-MM-dd HH:mm:ss",
                 "Europe/Nowhere", "../../etc/passwd", "-", "@timestamp", "tags", "a..b", ".a", "a.", "2001-02-30",
                 "1e9999", ".nan", "~", "null", "on", "0o17", "0x_1", "!!int x", "*x", "&a", "<<", "=", "=>",
                 "uuuu", "SSSSSSSSSS", "'T'", "EEEE", "HH:mm", "''", "Z", "ZZZZ", "X", "XXXXXX", "G", "aa",
                 "\ud800x".encode("utf-8", "surrogatepass").decode("utf-8", "replace")]


def scalars():
    return st.one_of(st.integers(-3, 10**20), st.floats(allow_nan=True), st.booleans(), st.none(),
                     st.text(alphabet=NOISE_NL, max_size=10), st.sampled_from(WEIRD_SCALARS))


def yaml_values():
    return st.recursive(scalars(), lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(
            ["name", "type", "target", "pattern", "format", "formats", "separator", "head", "map", "keys", "when",
             "split", "first", "fields", "body", "select", "patterns", "values", "layout", "start"]),
            st.text(alphabet=WORD + "_", min_size=1, max_size=6)), inner, max_size=4)), max_leaves=12)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _copy(node):
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


@st.composite
def mutated(draw, case: Case) -> str:
    """A generated schema with a few mutations: keys dropped, values replaced by other types or odd text."""
    doc = _copy(case.doc)
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        op = draw(st.sampled_from(["drop", "replace", "replace", "weird", "add", "swap"]))
        last = path[-1]
        if op == "drop":
            del parent[last]
        elif op == "replace":
            parent[last] = draw(yaml_values())
        elif op == "weird":
            parent[last] = draw(st.sampled_from(WEIRD_SCALARS))
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "type", "target", "when", "first", "keys", "split", "select",
                                         "continuation", "body", "format", "ignore_above"]))] = draw(scalars())
        elif op == "swap" and isinstance(parent[last], str):
            s = parent[last]
            at = draw(st.integers(0, len(s)))
            parent[last] = s[:at] + draw(st.sampled_from(["{", "}", "{?", "'", "%{A}", "\\", "[", "(", "|", " "])) \
                + s[at:]
    text = dump(doc)
    if draw(st.integers(0, 4)) == 0:  # text-level damage too
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(alphabet=YAML_CHARS, max_size=5)) + text[at + draw(st.integers(0, 5)):]
    return text


def yamlish():
    """Text that is YAML, nearly YAML, or not YAML at all."""
    return st.one_of(
        st.text(alphabet=YAML_CHARS, max_size=80),
        yaml_values().map(dump),
        st.dictionaries(st.sampled_from(["schema_version", "name", "title", "source", "layout", "timestamp",
                                         "values", "variants", "patterns", "default_variant", "keep_original",
                                         "verify", "dashboards", "namespace", "index"]),
                        yaml_values(), max_size=8).map(dump),
        st.sampled_from(["a: &x [*x]\n", "a: !!int abc\n", "title: 2001-02-30\n", "a: !!binary '###'\n",
                         "a: !!timestamp x\n", "a: !!float y\n", "? [a]\n: b\n", "a: !!python/object:os.system {}\n",
                         "%YAML 1.1\n---\na: 1\n", "a: *nope\n", "{a: 1, a: 2}\n", "- 1\n- 2\n", "null\n", "'x'\n",
                         "name: !!set {a}\n", "a: !!omap [b: 1]\n", "a: !!pairs [b: 1]\n", "a: 0b102\n",
                         "a: 1_000\n", "a: 2001-12-14t21:59:43.10-25:00\n", "a: !!str\n", "x: 1:2\n",
                         "a: !!bool maybe\n", "a: !!null x\n", "a: 2001-1-1 25:00:00\n"]),
    )
