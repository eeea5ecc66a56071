"""Stage 0b of `infer`: the message types of a log, as token lists with literal tokens and slots.

Messages are split into tokens: at the separator in delimited logs (EZCast's ` | `), else at
blanks, a quoted text (`"GET / HTTP/1.1"`) or a parenthesised one (`(cd / && run-parts)`) staying
one token. They are grouped by their key (the
program or the level, when the header has one) and token count. In a delimited log whose one
column of words says how many fields follow (EZCast's action), that column is the type and
nothing else splits it. Otherwise a group is split further on the place whose words vary least
(frequent words by position, as SLCT and LogCluster do), as long as each of its words is
frequent enough to be a type's literal rather than a value. After the first place holding
values, a place splits only when another place's words go with its words one to one (IPLoM's
bijection): what follows a value is mostly its context (`ssh2: RSA`, `* orcl *`), and
splitting there splits a type on its values. What remains varied becomes a slot
(`templates.token_parts`). Groups with a single message stay types of their own: their
value-like words are slots.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from stackgen.infer.templates import Part, token_parts, word_type

MAX_LITERALS = 6  # a place with more distinct words than this (and few records each) holds a value
LITERAL_SHARE = 20  # ... unless each of its words has at least 1/20 of the group's records


@dataclass(frozen=True)
class Cluster:
    """One message type: its key, each token's parts and its members' positions."""

    key: str | None
    tokens: tuple[tuple[Part, ...], ...]
    members: tuple[int, ...]

    @property
    def specificity(self) -> int:
        """The literal text it holds: the more, the earlier it is tried (`"-" 408` before `"<*>" <*>`)."""
        return sum(len(p) for t in self.tokens for p in t if p is not None)


def tokenize(message: str, separator: str | None) -> list[str]:
    """A message's tokens: fields at the separator, else words, a quoted or parenthesised text one token."""
    if separator is not None:
        return message.split(separator) if message else []
    words = message.split()
    if '"' not in message and "(" not in message:
        return words
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        j = i
        if word.startswith('"') and not (len(word) > 1 and word.endswith('"')):
            j = i + 1
            while j < len(words) and not words[j].endswith('"'):
                j += 1
        elif word.startswith("(") and (depth := word.count("(") - word.count(")")) > 0:
            while depth > 0 and j + 1 < len(words):  # a parenthesised text: up to its closing parenthesis
                j += 1
                depth += words[j].count("(") - words[j].count(")")
        out.append(" ".join(words[i:j + 1]))
        i = j + 1
    return out


def discriminator(split: list[list[str]]) -> int | None:
    """The column (present in nearly every record) of non-value words that best says how many
    fields a record has, if one says it (almost) exactly; None when none does."""
    best = None
    for col in range(max((len(s) for s in split), default=0)):
        rows = [s for s in split if len(s) > col]
        if len(rows) < 0.9 * len(split):
            continue
        column = Counter(s[col] for s in rows)
        if len(column) < 2 or len(column) == len(rows) or any(word_type(w) or " " in w for w in column):
            continue
        by_value: dict[str, Counter] = defaultdict(Counter)
        for s in rows:
            by_value[s[col]][len(s)] += 1
        impure = sum(sum(c.values()) - max(c.values()) for c in by_value.values())
        if impure <= 0.02 * len(rows) and (best is None or (impure, len(column)) < best[:2]):
            best = (impure, len(column), col)
    return None if best is None else best[2]


def cluster(messages: list[tuple[str | None, list[str]]], separator: str | None) -> list[Cluster]:
    """The message types of (key, tokens) pairs, most specific first."""
    split = [tokens for _, tokens in messages]
    column = discriminator(split) if separator is not None else None
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, (key, tokens) in enumerate(messages):
        typed = tokens[column] if column is not None and len(tokens) > column else None
        groups[(key, len(tokens), typed)].append(i)
    stop = separator.strip()[0] if separator else " "
    out: list[Cluster] = []
    for (key, _, typed), members in sorted(groups.items(), key=lambda kv: (str(kv[0][0]), kv[0][1], str(kv[0][2]))):
        parts = [members] if typed is not None else _partition(members, split, frozenset())
        for part in parts:
            width = len(split[part[0]])
            tokens = tuple(tuple(token_parts([split[i][pos] for i in part], stop)) for pos in range(width))
            out.append(Cluster(key, tokens, tuple(part)))
    return sorted(out, key=lambda c: (-c.specificity, -len(c.members), c.key or "", c.tokens[:1] == ((None,),)))


def _partition(members: list[int], split: list[list[str]], fixed: frozenset) -> list[list[int]]:
    if len(members) < 2:
        return [members]
    width = len(split[members[0]])
    best = None
    limit = max(MAX_LITERALS, math.ceil(len(members) / LITERAL_SHARE))
    context = False  # past the first place that holds values: what follows is their context
    for pos in range(width):
        if pos in fixed:
            continue
        counts = Counter(split[i][pos] for i in members)
        if len(counts) < 2:
            continue
        words = {w: n for w, n in counts.items() if not word_type(w)}
        rest = len(members) - sum(words.values())
        if rest:  # a few frequent words, values otherwise (SLCT's frequent words and outliers)
            if not context and words and len(words) <= MAX_LITERALS and min(words.values()) * LITERAL_SHARE >= len(members):
                best = min(best or (True, len(words), pos), (True, len(words), pos))
            context = True
            continue
        if len(counts) > limit or len(counts) > MAX_LITERALS and min(counts.values()) * LITERAL_SHARE < len(members) \
                or len(counts) > 2 and token_parts(list(counts), " ") != [None]:
            context = True  # many words, or words of one shape (`<*>.service`): values
            continue
        if min(counts.values()) < 2:  # a word seen once is more likely a value than a type
            continue
        # in a value's context, a word splits types only when another place's words go with it
        # one to one (IPLoM's bijection: `from NEW to UNASSIGNED`), not a lone value (`ssh2: RSA`)
        if not context or _paired(members, split, pos, fixed):
            best = min(best or (False, len(words), pos), (False, len(words), pos))
    if best is None:
        return [members]
    pos = best[2]
    parts: dict[str | None, list[int]] = defaultdict(list)
    for i in members:
        word = split[i][pos]
        parts[None if word_type(word) else word].append(i)
    return [p for word in sorted(parts, key=str) for p in _partition(parts[word], split, fixed | {pos})]


def _paired(members: list[int], split: list[list[str]], pos: int, fixed: frozenset) -> bool:
    pairs = {}
    for other in range(len(split[members[0]])):
        if other != pos and other not in fixed:
            pairs = {(split[i][pos], split[i][other]) for i in members}
            if len({a for a, _ in pairs}) == len({b for _, b in pairs}) == len(pairs) and \
                    not any(word_type(b) for _, b in pairs):
                return True
    return False
