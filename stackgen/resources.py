"""Where packaged templates live, and one shared Jinja environment to render them."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parent.parent


def templates_dir() -> Path:
    """The checkout's templates/ (edits show without reinstalling), else the packaged copy."""
    for candidate in (ROOT / "templates", Path(__file__).resolve().parent / "_data" / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("stackgen templates not found (reinstall stackgen)")


def logstash_unquotable(text: str) -> str | None:
    """Why a text cannot be a Logstash config string, or None. Its grammar reads a backslash before
    a quote as an escaped quote (even with escapes off), so a string cannot end with a backslash;
    and a string holding both quote characters has no quote left to stand in."""
    if '"' in text and "'" in text:
        return "a text holding both ' and \" cannot be written in a Logstash config"
    if text.endswith("\\"):
        return "a text ending with a backslash cannot be written in a Logstash config"
    return None


def logstash_string(text: str) -> str:
    """A Logstash config string literal (escapes are off by default, so pick a quote)."""
    problem = logstash_unquotable(text)
    if problem:
        raise ValueError(f"{problem}: {text!r}")
    return f'"{text}"' if '"' not in text else f"'{text}'"


def logstash_field(path: str) -> str:
    """A dotted document path in Logstash's bracket syntax."""
    if path.startswith("@") or "." not in path:
        return f"[{path}]"
    return "".join(f"[{part}]" for part in path.split("."))


def comment_text(text: str) -> str:
    """Free text made safe for a `#` comment line: control characters (newlines) become spaces."""
    return "".join(" " if ord(c) < 32 or 0x7f <= ord(c) < 0xa0 or c in "\u2028\u2029" else c for c in text)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        # templates/ for the text targets; its parent for compose/ (the deployment templates)
        loader=jinja2.FileSystemLoader([str(templates_dir()), str(templates_dir().parent)]),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["ls"] = logstash_string
    env.filters["comment"] = comment_text
    env.filters["lsfield"] = logstash_field
    env.filters["yaml"] = lambda value: json.dumps(value, ensure_ascii=False)
    return env


def render_template(name: str, **context) -> str:
    return environment().get_template(name).render(**context)
