"""Stage 0d of `infer`: every record's message type, in one linear pass.

The types are found on a sample (`clusters.cluster`); every record is then matched against them
here. Each type is one regex, its template as the schema language matches it: a slot stops at
the first character of the literal after it, and at blanks unless it holds text; a slot between
quotes runs to the closing quote. The types that a record's key (program or level) allows are
one alternation, tried in schema order, so the first that fits wins, as it does in the schema.
A message is matched with its blank runs made one space (the schema reads a space as any run
of blanks). The local engine then checks a sample of the assignments (`draft_from_logs`).
"""
from __future__ import annotations

import re

from stackgen.infer.clusters import Cluster

SPACE = " "


def slot_regex(parts: tuple, i: int, stop: str | None, kind: str) -> str:
    """How the schema matches the slot at `parts[i]` (`kind`: its type; `stop`: what follows the
    token, None when the message ends there: a slot that ends the message takes all the rest)."""
    after = parts[i + 1][0] if i + 1 < len(parts) else stop
    if i and parts[i - 1].endswith('"') and after == '"':
        return r'(?:[^"\\]|\\.)*'
    if after is None:
        return ".+"
    stops = {after} if kind == "text" else {after, " ", "\t"}
    return "[^" + "".join(re.escape(c) for c in sorted(stops)) + "]+"


def type_regex(c: Cluster, kinds: list[str], separator: str | None) -> str:
    """A type's whole message, each slot typed as `kinds` says (in order)."""
    stop = separator.strip()[0] if separator else SPACE
    slots = iter(kinds)
    tokens = []
    for pos, parts in enumerate(c.tokens):
        after = stop if pos + 1 < len(c.tokens) else None
        tokens.append("".join(re.escape(p) if p is not None else slot_regex(parts, i, after, next(slots))
                              for i, p in enumerate(parts)))
    return re.escape(separator or SPACE).join(tokens)


class Matcher:
    """The first type (by its index in `found`) whose template fits a message, or None."""

    def __init__(self, found: list[Cluster], kinds: list[list[str]], separator: str | None):
        self.types = [(c.key, type_regex(c, k, separator)) for c, k in zip(found, kinds)]
        self.separator = separator
        self._by_key: dict[str | None, re.Pattern] = {}

    def _alternation(self, key: str | None) -> re.Pattern:
        if key not in self._by_key:
            branches = [f"(?P<t{i}>{regex})" for i, (k, regex) in enumerate(self.types) if k is None or k == key]
            self._by_key[key] = re.compile("|".join(branches) or r"(?!)", re.S)
        return self._by_key[key]

    def match(self, key: str | None, message: str) -> int | None:
        text = message if self.separator is not None else SPACE.join(message.split())
        found = self._alternation(key).fullmatch(text)
        return None if found is None else int(found.lastgroup[1:])
