"""Stage 4g: the grok patterns run by Elasticsearch's own grok library, in both engines' modes.

Every grok pattern the local engine tries for a record (head, variants, keys) is replayed with
`org.elasticsearch.grok` (Joni) at the pinned stack's version (9.x, on a Java 21+ found by `jvm`): once as the ingest processor compiles it, once with Ruby's
MULTILINE option as Logstash's grok filter does. Captures must equal the local engine's.
"""
from __future__ import annotations

import subprocess

from stackgen.engines import jvm
from stackgen.engines.framing import Record
from stackgen.engines.local import LocalEngine
from stackgen.model.steps import Grok, walk

MODES = ("es", "logstash")
GROK_JAVA = 21  # elasticsearch-grok 9.x (java/grok/pom.xml) is built for Java 21


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append({"n": "\n", "r": "\r", "t": "\t"}.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _parse_row(row: str) -> tuple[str, dict | None]:
    cells = row.split("\t")
    mode, verdict = cells[0].split(" ")
    if verdict == "NOMATCH":
        return mode, None
    captures = {}
    for cell in cells[1:]:
        key, _, value = cell.partition("=")
        captures[_unescape(key)] = _unescape(value)
    return mode, captures


def definitions_of(plan) -> dict[str, str]:
    """Every pattern definition any grok step of a plan uses (names are unique per regex)."""
    out: dict[str, str] = {}
    for step in walk(plan.steps):
        if isinstance(step, Grok):
            out.update(step.definitions)
    return out


def compare(engine: LocalEngine, records: list[Record], progress: jvm.Progress = lambda m: None) -> tuple[int, list[str]]:
    """Run every grok step through Elasticsearch's grok library; return (steps, mismatches)."""
    definitions = definitions_of(engine.plan)
    pattern_ids: dict[str, str] = {}
    lines = [f"DEF\t{name}\t{_escape(regex)}" for name, regex in definitions.items()]
    expected: list[tuple[Record, str, dict | None]] = []
    for record in records:
        for pattern, text, captures in engine.grok_steps(record.text):
            if pattern not in pattern_ids:
                pattern_ids[pattern] = f"p{len(pattern_ids)}"
                lines.append(f"PAT\t{pattern_ids[pattern]}\t{_escape(pattern)}")
            lines.append(f"REC\t{pattern_ids[pattern]}\t{_escape(text)}")
            expected.append((record, pattern_ids[pattern], captures))
    command = jvm.java_command("grok", "GrokCheck.java", [], heap="256m", progress=progress, java=GROK_JAVA)
    result = subprocess.run(command, input="\n".join(lines) + "\n", capture_output=True, text=True, encoding="utf-8")
    if result.returncode != 0:
        from stackgen.errors import EngineError

        raise EngineError(f"the grok check failed:\n{result.stderr[-2000:]}")
    rows = result.stdout.splitlines()
    mismatches = []
    for i, (record, pattern_id, want) in enumerate(expected):
        for mode, row in zip(MODES, rows[2 * i:2 * i + 2]):
            got_mode, got = _parse_row(row)
            if got_mode != mode or got != want:
                mismatches.append(f"{record.source}:{record.line} pattern {pattern_id} ({mode}): "
                                  f"local {want!r} != grok library {got!r}")
    return len(expected), mismatches
