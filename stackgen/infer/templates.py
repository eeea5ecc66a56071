"""Stage 0c of `infer`: one message type's template, from the tokens its messages have in each place.

A token every message shares is literal (a number or an address only when at least `MIN_LITERAL`
messages share it: in fewer, nothing tells a constant from a value seen once). A token that varies
is a slot, refined into literal text and slots when its values share a shape: the same
punctuation at the same places (`rhost=<*>`, `<*>(uid=<*>)`, `[IPC Server handler <*> on 62270]`),
or else a common punctuated prefix and suffix (`"<*>"`, `PWD=<*>`). A refinement is kept only if
every value fits it the way the schema language will match it (a slot stops at the next literal's
first character, and at blanks unless it holds blanks): what is drafted is what parses. Slots
next to each other with only punctuation between are one slot (`<*>.<*>.<*>` is one address).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

VALUE_WORDS = [
    ("long", re.compile(r"[+-]?[0-9]{1,18}")),
    ("double", re.compile(r"[+-]?[0-9]+\.[0-9]+")),
    ("ip", re.compile(r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:]+")),
    ("keyword", re.compile(r"(?:[a-z]+://|/)\S*|0x[0-9A-Fa-f]+|[0-9A-Fa-f]{8,}|\S*[0-9]\S*|\S*[=\"'{}%]\S*")),
]
TYPED = {"long", "double", "ip"}  # the schema matches these by their form, whatever follows
MIN_LITERAL = 3
MAX_SHAPES = 40  # distinct values a shape is looked for on
BLANK = re.compile(r"\s")
PIECE = re.compile(r"[A-Za-z0-9_]+|\s+|.", re.S)

Part = str | None  # literal text, or None: a slot


@dataclass(frozen=True)
class Slot:
    """What a slot holds: its type and its values in the sample."""

    kind: str  # long, double, ip, keyword or text
    values: tuple[str, ...]


def word_type(word: str) -> str | None:
    """The type of a word that looks like a value, else None (a word); a quoted word is typed by
    what it quotes (`"-"` is a word), a quoted text with blanks is a value."""
    if len(word) > 1 and word[0] == word[-1] == '"':
        word = word[1:-1]
        if not word or BLANK.search(word):
            return "keyword" if word else None
    for kind, pattern in VALUE_WORDS:
        if pattern.fullmatch(word):
            return kind
    return None


def slot_type(values: set[str] | list[str]) -> str:
    kinds = {word_type(v) for v in values}
    if kinds == {"long"}:
        return "long"
    if kinds <= {"long", "double"}:
        return "double"
    if kinds == {"ip"}:
        return "ip"
    return "text" if any(BLANK.search(v) for v in values) else "keyword"


def token_parts(values: list[str], stop: str) -> list[Part]:
    """The parts of one token's place, given its values in every message of a type; `stop`: the
    character that follows the token (a blank, or the separator's first character)."""
    distinct = set(values)
    if len(distinct) == 1:
        value = values[0]
        return [value] if len(values) >= MIN_LITERAL or word_type(value) is None else [None]
    if slot_type(distinct) in TYPED:
        return [None]
    ordered = sorted(distinct)
    sample = ordered[::max(1, len(ordered) // MAX_SHAPES)]  # spread: sorted neighbours share prefixes
    for shape in (_shape, _aligned, _affixes):
        parts = shape(sample)
        if parts is not None and _fits(parts, sample, stop):
            return parts
    return [None]


def _shape(sample: list[str]) -> list[Part] | None:
    """Literal pieces where all values agree, slots elsewhere, when all have the same punctuation."""
    if len(sample) < 3:
        return None  # two values agree on too much by chance
    split = [PIECE.findall(v) for v in sample]
    width = len(split[0])
    if any(len(s) != width for s in split):
        return None
    parts: list[Part] = []
    for i in range(width):
        pieces = {s[i] for s in split}
        word = split[0][i][0].isalnum() or split[0][i][0] == "_"
        if len(pieces) > 1 and not word:
            return None  # punctuation differs: no common shape
        parts.append(split[0][i] if len(pieces) == 1 else None)
    return _merged(parts)


def _aligned(sample: list[str]) -> list[Part] | None:
    """The punctuation all values share in the same order (their longest common subsequence of
    punctuation and key words, `(CID=(PROGRAM=<*>)(HOST=<*>)`), slots in the gaps."""
    if len(sample) < 3:
        return None
    common = PIECE.findall(sample[0])
    for value in sample[1:]:
        common = _common(common, PIECE.findall(value))
    if not any(not _wordy(p) for p in common):
        return None
    parts: list[Part] = []
    for piece in common:  # a gap between two shared pieces is a slot unless no value has text there
        parts += [None, piece]
    tight = _tight(parts + [None], sample)
    return None if tight is None else _merged(tight)


def _common(a: list[str], b: list[str]) -> list[str]:
    """The longest common subsequence of two piece lists."""
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            out.append(a[i])
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


def _tight(parts: list[Part], sample: list[str]) -> list[Part] | None:
    """`parts` (literals and slots alternating) without the slots no value has text in; None when
    a slot's text holds the last character of the literal before it (a chance alignment)."""
    regex = re.compile("".join("(.*?)" if p is None else re.escape(p) for p in parts), re.S)
    held = [False] * len(parts)
    for value in sample:
        match = regex.fullmatch(value)
        if match is None:
            return None
        k = 0
        for i, p in enumerate(parts):
            if p is None:
                k += 1
                text = match.group(k)
                if text and i and parts[i - 1][-1] in text:
                    return None
                held[i] = held[i] or bool(text)
    return [p for i, p in enumerate(parts) if p is not None or held[i]]


def _merged(parts: list[Part]) -> list[Part]:
    """Slots with only punctuation (no word, no blank) between them made one slot; literals joined."""
    out: list[Part] = []
    i = 0
    while i < len(parts):
        if parts[i] is None:
            j = i
            while True:
                k = j + 1
                while k < len(parts) and parts[k] is not None and not _wordy(parts[k]):
                    k += 1
                if k < len(parts) and parts[k] is None and k > j + 1:
                    j = k
                else:
                    break
            out.append(None)
            i = j + 1
        else:
            if out and out[-1] is not None:
                out[-1] += parts[i]
            else:
                out.append(parts[i])
            i += 1
    return out


def _wordy(piece: str) -> bool:
    return any(c.isalnum() or c.isspace() or c == "_" for c in piece)


def _affixes(sample: list[str]) -> list[Part] | None:
    """The values' common prefix and suffix, each ending (starting) at punctuation that the rest
    of no value holds."""
    first, last = min(sample), max(sample)
    shortest = min(len(v) for v in sample)
    n = 0
    while n < min(len(first), len(last), shortest) and first[n] == last[n]:
        n += 1
    m = 0
    while m < shortest - n and len({v[len(v) - m - 1] for v in sample}) == 1:
        m += 1
    while n and (_wordy(sample[0][n - 1]) or any(sample[0][n - 1] in v[n:len(v) - m] for v in sample)):
        n -= 1
    while m and (_wordy(sample[0][-m]) or any(sample[0][-m] in v[n:len(v) - m] for v in sample)):
        m -= 1
    if not n and not m:
        return None
    parts: list[Part] = ([sample[0][:n]] if n else []) + [None] + ([sample[0][len(sample[0]) - m:]] if m else [])
    return parts


def pattern(parts: list[Part], stop: str) -> re.Pattern:
    """How the schema language matches these parts (slots as it draws them)."""
    out = []
    for i, part in enumerate(parts):
        if part is not None:
            out.append(re.escape(part))
            continue
        after = parts[i + 1][0] if i + 1 < len(parts) else stop
        if i and parts[i - 1].endswith('"') and after == '"':
            out.append(r'((?:[^"\\]|\\.)*)')
        else:
            out.append(f"([^{re.escape(after)}]+)")
    return re.compile("".join(out), re.S)


def _fits(parts: list[Part], sample: list[str], stop: str) -> bool:
    regex = pattern(parts, stop)
    return all(regex.fullmatch(v) for v in sample)
