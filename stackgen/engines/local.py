"""Stage 4c: the local engine, a pure-Python interpreter of the model's step list.

The list is compiled once into closures, one a step (each step's meaning is written once, in
`_body`; a switch is one dictionary lookup; a date step remembers the last timestamps it read,
since neighbouring records share their second). It runs the same steps the ingest pipeline and
the Logstash filter print (`model/lowering.py`), with the same grok strings, so its documents
equal Elasticsearch's; the agreement tests prove it on every sample record of every family.
`engines/parallel.py` runs it on several cores.
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
DATE_MEMO = 4096  # timestamps remembered per date step (constant memory; 0: none)
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
        """The step list compiled once: one closure a step, its condition a closure too."""
        return [self._compile(step) for step in self.plan.steps]

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
        if isinstance(step, S.Switch):
            return self._switch(step)
        if isinstance(step, S.Grok):
            return self._grok(step)
        if isinstance(step, S.Date):
            return self._date(step)
        if isinstance(step, S.Set):
            field, value, variant, place = step.field, step.value, step.tag.split(":", 1)[-1], placer(step.field)

            def run(ctx, trace, taken):
                place(ctx, value)
                if field == MATCHED and taken is not None:  # an empty variant: the record ended there
                    taken.append(variant)
            return run
        if isinstance(step, S.Move):
            source, place = step.source, placer(step.target)

            def run(ctx, trace, taken):
                if ctx.get(source) is not None:
                    place(ctx, ctx.pop(source))
            return run
        if isinstance(step, S.Copy):
            source, place = step.source, placer(step.target)

            def run(ctx, trace, taken):
                if ctx.get(source) is not None:
                    place(ctx, ctx[source])
            return run
        if isinstance(step, S.Convert):
            source, place, kind = step.source, placer(step.target), step.type

            def run(ctx, trace, taken):
                raw = ctx.get(source)
                if raw is not None:
                    place(ctx, _number(raw, kind))
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
            place = placer(ORIGINAL_FIELD)

            def run(ctx, trace, taken):
                raw = ctx.pop(RAW, None)
                if raw is not None and (keep is None or keep(ctx)):
                    place(ctx, raw)
            return run
        if isinstance(step, S.Remove):
            fields = frozenset(step.fields)

            def run(ctx, trace, taken):
                for name in fields.intersection(ctx):  # the record's few keys, not every temporary
                    del ctx[name]
            return run
        raise AssertionError(f"no interpreter for {type(step).__name__}")

    def _switch(self, step: S.Switch) -> Run:
        """One table lookup chooses the case; only its steps run."""
        field = step.field
        table = {value: [self._compile(s) for s in case.steps] for case in step.cases for value in case.values}
        default = [self._compile(s) for s in step.default]

        def run(ctx, trace, taken):
            value = ctx.get(field)
            for body in (table.get(value, default) if isinstance(value, str) else default):
                body(ctx, trace, taken)
        return run

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
        source, place, zone, fail_tag, now = step.source, placer(step.target), step.timezone, step.fail_tag, self.now
        recent: dict[str, str | None] = {}  # text -> instant (None: no format fits); neighbours share a second

        def parse(raw: str) -> str | None:
            for fmt in formats:
                instant = fmt.parse(raw, zone, now)
                if instant is not None:
                    return format_instant(instant)
            return None

        def run(ctx, trace, taken):
            raw = ctx.get(source)
            if raw is None:
                return
            if not (DATE_MEMO and isinstance(raw, str)):
                out = parse(raw)
            elif raw in recent:
                out = recent[raw]
            else:
                out = parse(raw)
                if len(recent) >= DATE_MEMO:
                    recent.clear()
                recent[raw] = out
            if out is None:
                add_tag(ctx, fail_tag)
            else:
                place(ctx, out)
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


def placer(path: str) -> Callable[[dict, object], None]:
    """A setter of one document field; dotted paths make objects (`@timestamp` and temporaries are flat)."""
    if path.startswith("@") or "." not in path:
        def place(ctx: dict, value) -> None:
            ctx[path] = value
        return place
    *parents, last = path.split(".")

    def place_nested(ctx: dict, value) -> None:
        node = ctx
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return place_nested
