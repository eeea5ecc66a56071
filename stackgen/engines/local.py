"""Stage 4c: the local engine, a pure-Python interpreter of the model's step list.

The list is compiled once into closures, one a step (each step's meaning is written once, in
`_body`). It runs the same steps the ingest pipeline and the Logstash filter print (`model/lowering.py`),
with the same grok strings, so its documents equal Elasticsearch's; the agreement tests prove it
on every sample record of every family.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property

from stackgen.engines.framing import Record
from stackgen.engines.grokregex import compile_grok
from stackgen.errors import UsageError
from stackgen.model import steps as S
from stackgen.model.grok import MATCHED
from stackgen.model.lowering import RAW, lower
from stackgen.model.nodes import LogModel, ORIGINAL_FIELD
from stackgen.model.timefmt import format_instant, parse_format, parse_now


def reference_time(model: LogModel, now: str | None = None) -> dt.datetime:
    """The time year-less timestamps are placed against: `now`, the schema's verify.now, or the clock."""
    text = now or model.now
    try:
        value = parse_now(text) if text else dt.datetime.now(dt.timezone.utc)
    except ValueError as exc:
        raise UsageError(f"--now {text!r}: {exc}") from None
    # milliseconds, as the reference time travels to Elasticsearch
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


SHIPPER = "log"  # Filebeat's log.* fields: the local engine reads log.flags like the pipelines
GROK_SECONDS = 1.0  # Elasticsearch's ingest.grok.watchdog.max_execution_time
Run = Callable[[dict, "list | None", "list | None"], None]  # one compiled step: (document, trace, taken)


class LocalEngine:
    """Executes a model on records, in process."""

    name = "local"

    def __init__(self, model: LogModel, now: str | None = None):
        self.model = model
        self.plan = lower(model)
        self.now = reference_time(model, now)
        self.problems: list[str] = []

    @cached_property
    def _program(self) -> list[Run]:
        """The step list compiled once: one closure a step, its condition a closure too. A run of
        grok steps keyed on one field's value (variants by discriminator) becomes one table lookup."""
        steps, program, i = self.plan.steps, [], 0
        while i < len(steps):
            end = self._keyed_run(steps, i)
            program.append(self._dispatch(steps[i:end]) if end - i > 1 else self._compile(steps[i]))
            i = end
        return program

    def _keyed_run(self, steps, start: int) -> int:
        """The end of the run of grok steps from `start` that test one field for disjoint values under
        one guard, none writing a field the tests read (so at most one of them can apply)."""
        first = _keyed(steps[start])
        if first is None:
            return start + 1
        guard, field, _ = first
        read = {field, *_fields_of(guard)}
        seen: set[str] = set()
        end = start
        while end < len(steps):
            keyed = _keyed(steps[end])
            if keyed is None or keyed[:2] != (guard, field) or seen & set(keyed[2]):
                break
            if read & self._writes(steps[end]):
                break
            seen |= set(keyed[2])
            end += 1
        return max(end, start + 1)

    def _writes(self, step: S.Grok) -> set[str]:
        defs = dict(step.definitions)
        return {name for pattern in step.patterns for name in compile_grok(pattern, defs).groupindex}

    def _dispatch(self, steps) -> Run:
        guard_cond, field, _ = _keyed(steps[0])
        guard = None if guard_cond is None else condition(guard_cond)
        table = {key: self._body(step) for step in steps for key in _keyed(step)[2]}

        def run(ctx, trace, taken):
            if guard is None or guard(ctx):
                value = ctx.get(field)
                body = table.get(value) if isinstance(value, str) else None
                if body is not None:
                    body(ctx, trace, taken)
        return run

    def documents(self, records: list[Record]) -> list[dict]:
        return [self._execute(record.text, record.flags) for record in records]

    def run(self, text: str, flags: tuple[str, ...] = ()) -> dict:
        """The document for one record (`flags`: the shipper's log.flags)."""
        return self._execute(text, flags)

    def variant(self, text: str) -> str | None:
        """The first-match variant a record took, `*` for none (None when selection is by discriminator)."""
        if not self.model.first_match:
            return None
        taken: list[str] = []
        self._execute(text, taken=taken)
        return taken[0] if taken else "*"

    def grok_steps(self, text: str) -> list[tuple[str, str, dict | None]]:
        """Each grok pattern this record is tried with: (pattern, input, captures or None)."""
        trace: list = []
        self._execute(text, trace=trace)
        return trace

    def _execute(self, text: str, flags: tuple[str, ...] = (), trace: list | None = None,
                 taken: list | None = None) -> dict:
        """Run every step on one record; `trace` collects grok attempts, `taken` the variant matched."""
        ctx: dict = {RAW: text, SHIPPER: {"flags": list(flags)}}
        for run in self._program:
            run(ctx, trace, taken)
        del ctx[SHIPPER]  # shipper metadata, not the parser's document
        return ctx

    # -- compilation: each step's meaning, written once -------------------------------------------

    def _compile(self, step) -> Run:
        body = self._body(step)
        if getattr(step, "when", None) is None:
            return body
        holds = condition(step.when)

        def run(ctx: dict, trace, taken) -> None:
            if holds(ctx):
                body(ctx, trace, taken)
        return run

    def _body(self, step) -> Run:
        if isinstance(step, S.Grok):
            return self._grok(step)
        if isinstance(step, S.Date):
            return self._date(step)
        if isinstance(step, S.Set):
            field, value, variant = step.field, step.value, step.tag.split(":", 1)[-1]

            def run(ctx, trace, taken):
                put(ctx, field, value)
                if field == MATCHED and taken is not None:  # an empty variant: the record ended there
                    taken.append(variant)
            return run
        if isinstance(step, S.Move):
            source, target = step.source, step.target

            def run(ctx, trace, taken):
                if ctx.get(source) is not None:
                    put(ctx, target, ctx.pop(source))
            return run
        if isinstance(step, S.Copy):
            source, target = step.source, step.target

            def run(ctx, trace, taken):
                if ctx.get(source) is not None:
                    put(ctx, target, ctx[source])
            return run
        if isinstance(step, S.Convert):
            source, target, kind = step.source, step.target, step.type

            def run(ctx, trace, taken):
                raw = ctx.get(source)
                if raw is not None:
                    put(ctx, target, _number(raw, kind))
            return run
        if isinstance(step, S.Split):
            field, separator = step.field, step.separator

            def run(ctx, trace, taken):
                if isinstance(ctx.get(field), str):
                    ctx[field] = ctx[field].split(separator)
            return run
        if isinstance(step, S.Tag):
            name = step.name
            return lambda ctx, trace, taken: add_tag(ctx, name)
        if isinstance(step, S.KeepOriginal):
            keep = None if step.keep_when is None else condition(step.keep_when)

            def run(ctx, trace, taken):
                raw = ctx.pop(RAW, None)
                if raw is not None and (keep is None or keep(ctx)):
                    put(ctx, ORIGINAL_FIELD, raw)
            return run
        if isinstance(step, S.Remove):
            fields = step.fields

            def run(ctx, trace, taken):
                for name in fields:
                    ctx.pop(name, None)
            return run
        raise AssertionError(f"no interpreter for {type(step).__name__}")

    def _grok(self, step: S.Grok) -> Run:
        defs = dict(step.definitions)
        tries = [(pattern, compile_grok(pattern, defs).match, variant)
                 for pattern, variant in zip(step.patterns, step.variants or [None] * len(step.patterns))]
        field, fail_tag = step.field, step.fail_tag

        def run(ctx, trace, taken):
            text = ctx.get(field)
            if not isinstance(text, str):
                return
            for pattern, match_of, variant in tries:
                try:
                    match = match_of(text, timeout=GROK_SECONDS)
                except TimeoutError:
                    # as Elasticsearch's grok watchdog: the match is abandoned, the record tagged
                    if fail_tag:
                        add_tag(ctx, fail_tag)
                    return
                caps = None if match is None else {k: v for k, v in match.groupdict().items() if v is not None}
                if trace is not None:
                    trace.append((pattern, text, caps))
                if caps is not None:
                    ctx.update(caps)
                    if variant is not None and taken is not None:
                        taken.append(variant)
                    return
            if fail_tag:
                add_tag(ctx, fail_tag)
        return run

    def _date(self, step: S.Date) -> Run:
        formats = [parse_format(f) for f in step.formats]
        source, target, zone, fail_tag, now = step.source, step.target, step.timezone, step.fail_tag, self.now

        def run(ctx, trace, taken):
            raw = ctx.get(source)
            if raw is None:
                return
            for fmt in formats:
                instant = fmt.parse(raw, zone, now)
                if instant is not None:
                    put(ctx, target, format_instant(instant))
                    return
            add_tag(ctx, fail_tag)
        return run


def condition(cond) -> Callable[[dict], bool]:
    """A step condition compiled to a test of a record's fields."""
    if isinstance(cond, S.Exists):
        field = cond.field
        return lambda ctx: ctx.get(field) is not None
    if isinstance(cond, S.Equals):
        field, values = cond.field, frozenset(cond.values)
        return lambda ctx: isinstance(value := ctx.get(field), str) and value in values
    if isinstance(cond, S.Not):
        inner = condition(cond.cond)
        return lambda ctx: not inner(ctx)
    if isinstance(cond, (S.All, S.AnyOf)):
        parts = [condition(c) for c in cond.conds]
        both = _both if isinstance(cond, S.All) else _either
        test = parts[-1]
        for part in reversed(parts[:-1]):  # short-circuit chain, as `and`/`or` would
            test = both(part, test)
        return test
    if isinstance(cond, S.Tagged):
        tags = cond.tags
        return lambda ctx: any(t in ctx.get("tags", ()) for t in tags)
    if isinstance(cond, S.Flagged):
        flag = cond.flag
        return lambda ctx: flag in ctx.get(SHIPPER, {}).get("flags", ())
    raise AssertionError(f"unknown condition {cond!r}")


def _keyed(step) -> tuple | None:
    """(guard, field, values) of a grok step whose condition is `field in values` [and guard]."""
    when = getattr(step, "when", None)
    if not isinstance(step, S.Grok) or when is None:
        return None
    parts = when.conds if isinstance(when, S.All) else (when,)
    keyed = [c for c in parts if isinstance(c, S.Equals)]
    if len(keyed) != 1:
        return None
    rest = tuple(c for c in parts if c is not keyed[0])
    return S.all_of(*rest), keyed[0].field, keyed[0].values


def _fields_of(cond) -> set[str]:
    if cond is None:
        return set()
    if isinstance(cond, (S.Exists, S.Equals)):
        return {cond.field}
    if isinstance(cond, S.Not):
        return _fields_of(cond.cond)
    if isinstance(cond, (S.All, S.AnyOf)):
        return set().union(*(_fields_of(c) for c in cond.conds))
    return {"tags", SHIPPER}


def _both(first, rest):
    return lambda ctx: first(ctx) and rest(ctx)


def _either(first, rest):
    return lambda ctx: first(ctx) or rest(ctx)


def _number(raw, kind: str):
    if isinstance(raw, list):
        return [_number(r, kind) for r in raw]
    return int(raw) if kind == "long" else float(raw)


def add_tag(ctx: dict, tag: str) -> None:
    tags = ctx.setdefault("tags", [])
    if tag not in tags:
        tags.append(tag)


def put(ctx: dict, path: str, value) -> None:
    """Set a document field; dotted paths make objects (`@timestamp` and temporaries are flat)."""
    if path.startswith("@") or "." not in path:
        ctx[path] = value
        return
    parts = path.split(".")
    node = ctx
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
