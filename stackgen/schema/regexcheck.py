"""Stage 1d: regular expressions in a schema that could backtrack catastrophically.

Joni (Logstash, Elasticsearch) and the local engine backtrack; a pattern like `(a+)+b` takes
exponential time on a line that almost matches. This finds the classic shape: a group that holds
an unbounded quantifier and is itself repeated without bound. Elasticsearch's grok watchdog and
the local engine's time limit would tag such records, but a schema should not contain them.
"""
from __future__ import annotations

import re


def nested_quantifier(regex: str) -> str | None:
    """The offending group's text, or None when no repeated group holds an unbounded repeat."""
    stack: list[tuple[int, bool]] = []  # (start index, holds an unbounded quantifier)
    i = 0
    in_class = False
    while i < len(regex):
        char = regex[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if regex[i + 1:i + 2] == "]":
                i += 1
        elif char == "(":
            stack.append((i, False))
        elif char == ")" and stack:
            start, unbounded = stack.pop()
            if unbounded and _unbounded_at(regex, i + 1) and not _anchored_by_literal(regex[start:i + 1]):
                return regex[start:i + 1]
            if (unbounded or _unbounded_at(regex, i + 1)) and stack:
                stack[-1] = (stack[-1][0], True)
        elif char in "*+" or (char == "{" and _unbounded_at(regex, i)):
            if stack:
                stack[-1] = (stack[-1][0], True)
        i += 1
    return None


def _anchored_by_literal(group: str) -> bool:
    """`(?:\\.[a-z]+)*` is safe: each repetition starts with a character its inner repeats cannot match."""
    body = group[3:-1] if group.startswith("(?:") else group[1:-1]
    if not body or body[0] in "([.|^$":
        return False
    first, rest = (body[:2], body[2:]) if body[0] == "\\" else (body[0], body[1:])
    if first in ("\\s", "\\S", "\\w", "\\W", "\\d", "\\D") or _unbounded_at(rest, 0) or rest[:1] in "?{":
        return False
    if "|" in rest:
        return False  # an alternative may start differently
    char = first[-1]
    atoms = _repeated_atoms(rest)
    if atoms is None:
        return False
    return not any(re.fullmatch(atom, char) for atom in atoms)


def _repeated_atoms(body: str) -> list[str] | None:
    """The atoms repeated without bound in a group body (None when one is itself a group)."""
    atoms, i = [], 0
    while i < len(body):
        if body[i] == "[":
            end = body.find("]", i + 2)
            atom, i = body[i:end + 1], end + 1
        elif body[i] == "\\":
            atom, i = body[i:i + 2], i + 2
        elif body[i] in "()":
            return None
        else:
            atom, i = re.escape(body[i]), i + 1
        if _unbounded_at(body, i):
            atoms.append(atom)
    return atoms


def _unbounded_at(regex: str, i: int) -> bool:
    if i >= len(regex):
        return False
    if regex[i] in "*+":
        return True
    if regex[i] == "{":
        end = regex.find("}", i)
        return end > 0 and regex[i + 1:end].endswith(",")
    return False


# Constructs Joni (Unicode-aware, Ruby syntax) and the local engine (`regex`, ASCII) read differently,
# or that Elasticsearch refuses: a schema pattern may not use them.
_DIALECT = [
    (r"\(\?[a-zA-Z-]+[:)]", "inline flags such as (?i) (case folding differs between engines; spell the cases: [Oo][Kk])"),
    (r"\[\[:", "POSIX classes such as [[:alpha:]] (Unicode in Joni, ASCII here)"),
    (r"\\[pP]", "Unicode properties \\p{..}"),
    (r"\\[bBhHuUxX]", "\\b, \\h, \\u and \\x escapes"),
    (r"\\[1-9]|\\k<", "back-references"),
]


def dialect_problem(regex: str) -> str | None:
    """What in a pattern the engines would read differently, or None."""
    for pattern, what in _DIALECT:
        if re.search(pattern, regex):
            return what
    if re.search(r"[^\\]\^|^\^|(?<!\\)\$", _without_classes(regex)):
        return "line anchors ^ and $ (Logstash matches them at every line of a record)"
    if re.search(r"[^\x00-\x7f]", regex):
        return "non-ASCII characters (case and class rules differ between engines)"
    return None


def _without_classes(regex: str) -> str:
    out, i, depth = [], 0, 0
    while i < len(regex):
        if regex[i] == "\\":
            out.append(regex[i:i + 2] if depth == 0 else "")
            i += 2
            continue
        if regex[i] == "[":
            depth += 1
        elif regex[i] == "]" and depth:
            depth -= 1
        elif depth == 0:
            out.append(regex[i])
        i += 1
    return "".join(out)
