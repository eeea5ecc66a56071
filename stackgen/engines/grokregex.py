"""Stage 4b: grok expressions to compiled `regex` patterns for the local engine.

The model's patterns are written in the syntax Joni and the `regex` package share; only `\\z`
(end of string, Ruby spelling) becomes Python's `\\Z`. `\\d`, `\\w`, `\\s` are ASCII-only, as in
Ruby-syntax Joni.
"""
from __future__ import annotations

import regex

_GROK_REF = regex.compile(r"%\{([A-Z0-9_]+)(?::([A-Za-z0-9_@.\[\]-]+))?\}")


def expand(pattern: str, definitions: dict[str, str], depth: int = 0) -> str:
    """Replace %{NAME} and %{NAME:field} with the definitions, recursively."""
    if depth > 50:
        raise ValueError("grok patterns refer to each other in a loop")

    def replace(match: regex.Match) -> str:
        name, field = match.group(1), match.group(2)
        body = expand(definitions[name], definitions, depth + 1)
        return f"(?<{field}>{body})" if field else f"(?:{body})"

    return _GROK_REF.sub(replace, pattern)


def to_python(pattern: str) -> str:
    """Rewrite the few escapes whose spelling differs (`\\z` → `\\Z`), leaving others intact."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            pair = pattern[i:i + 2]
            out.append("\\Z" if pair == "\\z" else pair)
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def compile_grok(pattern: str, definitions: dict[str, str]) -> regex.Pattern:
    return regex.compile(to_python(expand(pattern, definitions)), regex.ASCII | regex.V0)
