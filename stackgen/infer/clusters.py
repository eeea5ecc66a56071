"""Stage 0b of `infer`: the message types of a log, as templates of literal words and typed slots.

Messages are split into words at blanks and grouped by their program (when the header has one)
and word count. A group is split further on the position whose words vary least (frequent words
by position, as SLCT and LogCluster do), as long as each of its words is frequent enough to be a
type's literal rather than a value; what remains varied becomes a slot. A word that looks like a
value (a number, an address, a path, a hexadecimal id, a URL, a quoted string) is a slot even
when it never varies in the sample. Groups with a single message are outliers: they stay in the
default variant (their text kept whole), so lines in = documents out.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

VALUE_WORDS = [
    ("long", re.compile(r"[+-]?[0-9]{1,18}")),
    ("double", re.compile(r"[+-]?[0-9]+\.[0-9]+")),
    ("ip", re.compile(r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:]+")),
    ("keyword", re.compile(r"(?:[a-z]+://|/)\S*|0x[0-9A-Fa-f]+|[0-9A-Fa-f]{8,}|\S*[0-9]\S*|\S*[=\"'{}%]\S*")),
]
MAX_LITERALS = 6  # a position with more distinct words than this holds a value, not a type's word


@dataclass(frozen=True)
class Cluster:
    """One message type: its words (None for a slot), its program and its members' positions."""

    program: str | None
    words: tuple[str | None, ...]
    members: tuple[int, ...]

    @property
    def specificity(self) -> int:
        return sum(1 for w in self.words if w is not None)


def word_type(word: str) -> str | None:
    """The type of a word that looks like a value, else None (a word)."""
    for kind, pattern in VALUE_WORDS:
        if pattern.fullmatch(word):
            return kind
    return None


def cluster(messages: list[tuple[str | None, str]]) -> list[Cluster]:
    """The message types of (program, message) pairs, most specific first."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    split = [m.split() for _, m in messages]
    for i, (program, _) in enumerate(messages):
        groups[(program, len(split[i]))].append(i)
    out: list[Cluster] = []
    for (program, _), members in sorted(groups.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        for part in _partition(members, split, frozenset()):
            out.append(Cluster(program, _words(part, split), tuple(part)))
    return sorted(out, key=lambda c: (-c.specificity, -len(c.members), c.program or "", c.words[:1] == (None,)))


def _partition(members: list[int], split: list[list[str]], fixed: frozenset) -> list[list[int]]:
    if len(members) < 2:
        return [members]
    width = len(split[members[0]])
    best = None
    for pos in range(width):
        if pos in fixed:
            continue
        counts = Counter(split[i][pos] for i in members)
        if len(counts) < 2 or len(counts) > MAX_LITERALS or any(word_type(w) for w in counts):
            continue
        if min(counts.values()) < 2:
            continue  # a word seen once is more likely a value than a type
        if best is None or len(counts) < best[0]:
            best = (len(counts), pos)
    if best is None:
        return [members]
    pos = best[1]
    parts: dict[str, list[int]] = defaultdict(list)
    for i in members:
        parts[split[i][pos]].append(i)
    return [p for word in sorted(parts) for p in _partition(parts[word], split, fixed | {pos})]


TAIL = ""  # a run of varying words that ends the message: one text slot to the end


def _words(members: list[int], split: list[list[str]]) -> tuple[str | None, ...]:
    if not split[members[0]]:
        return ()
    out: list[str | None] = []
    for pos in range(len(split[members[0]])):
        words = {split[i][pos] for i in members}
        word = next(iter(words))
        # a word every member shares is literal, unless it is a number or an address (or, in a
        # message seen once, anything that looks like a value: nothing else tells)
        kind = word_type(word)
        literal = kind is None or (kind == "keyword" and len(members) >= 2)
        out.append(word if len(words) == 1 and literal else None)
    tail = len(out)
    while tail > 0 and out[tail - 1] is None:
        tail -= 1
    if len(out) - tail >= 2:
        out[tail:] = [TAIL]
    return tuple(out)
