"""Stage 4c: the local engine, a pure-Python interpreter of the model's step list.

It runs the same steps the ingest pipeline and the Logstash filter print (`model/lowering.py`),
with the same grok strings, so its documents equal Elasticsearch's; the agreement tests prove it
on every sample record of every family.
"""
from __future__ import annotations

import datetime as dt
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


class LocalEngine:
    """Executes a model on records, in process."""

    name = "local"

    def __init__(self, model: LogModel, now: str | None = None):
        self.model = model
        self.plan = lower(model)
        self.now = reference_time(model, now)
        self.problems: list[str] = []

    @cached_property
    def _compiled(self) -> dict:
        out = {}
        for step in self.plan.steps:
            if isinstance(step, S.Grok):
                defs = dict(step.definitions)
                out[id(step)] = [compile_grok(p, defs) for p in step.patterns]
            elif isinstance(step, S.Date):
                out[id(step)] = [parse_format(f) for f in step.formats]
        return out

    def documents(self, records: list[Record]) -> list[dict]:
        return [self.run(record.text, record.flags) for record in records]

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
        for step in self.plan.steps:
            self._step(step, ctx, trace, taken)
        del ctx[SHIPPER]  # shipper metadata, not the parser's document
        return ctx

    # -- interpretation ---------------------------------------------------------------------

    def _step(self, step, ctx: dict, trace: list | None, taken: list | None) -> None:
        if getattr(step, "when", None) is not None and not holds(step.when, ctx):
            return
        if isinstance(step, S.Grok):
            self._grok(step, ctx, trace, taken)
        elif isinstance(step, S.Set):
            put(ctx, step.field, step.value)
            if step.field == MATCHED and taken is not None:  # an empty variant: the record ended there
                taken.append(step.tag.split(":", 1)[1])
        elif isinstance(step, S.Move):
            if ctx.get(step.source) is not None:
                put(ctx, step.target, ctx.pop(step.source))
        elif isinstance(step, S.Copy):
            if ctx.get(step.source) is not None:
                put(ctx, step.target, ctx[step.source])
        elif isinstance(step, S.Convert):
            raw = ctx.get(step.source)
            if raw is not None:
                put(ctx, step.target, _number(raw, step.type))
        elif isinstance(step, S.Split):
            if isinstance(ctx.get(step.field), str):
                ctx[step.field] = ctx[step.field].split(step.separator)
        elif isinstance(step, S.Date):
            self._date(step, ctx)
        elif isinstance(step, S.Tag):
            add_tag(ctx, step.name)
        elif isinstance(step, S.KeepOriginal):
            raw = ctx.pop(RAW, None)
            if raw is not None and (step.keep_when is None or holds(step.keep_when, ctx)):
                put(ctx, ORIGINAL_FIELD, raw)
        elif isinstance(step, S.Remove):
            for name in step.fields:
                ctx.pop(name, None)
        else:
            raise AssertionError(f"no interpreter for {type(step).__name__}")

    def _grok(self, step: S.Grok, ctx: dict, trace: list | None, taken: list | None) -> None:
        text = ctx.get(step.field)
        if not isinstance(text, str):
            return
        for pattern, compiled in zip(step.patterns, self._compiled[id(step)]):
            try:
                match = compiled.match(text, timeout=GROK_SECONDS)
            except TimeoutError:
                # as Elasticsearch's grok watchdog: the match is abandoned, the record tagged
                if step.fail_tag:
                    add_tag(ctx, step.fail_tag)
                return
            caps = None if match is None else {k: v for k, v in match.groupdict().items() if v is not None}
            if trace is not None:
                trace.append((pattern, text, caps))
            if caps is not None:
                ctx.update(caps)
                if step.variants and taken is not None:
                    taken.append(step.variants[step.patterns.index(pattern)])
                return
        if step.fail_tag:
            add_tag(ctx, step.fail_tag)

    def _date(self, step: S.Date, ctx: dict) -> None:
        raw = ctx.get(step.source)
        if raw is None:
            return
        for fmt in self._compiled[id(step)]:
            instant = fmt.parse(raw, step.timezone, self.now)
            if instant is not None:
                put(ctx, step.target, format_instant(instant))
                return
        add_tag(ctx, step.fail_tag)


def holds(cond, ctx: dict) -> bool:
    """Evaluate a step condition on a record's fields."""
    if isinstance(cond, S.Exists):
        return ctx.get(cond.field) is not None
    if isinstance(cond, S.Equals):
        return ctx.get(cond.field) in cond.values
    if isinstance(cond, S.Not):
        return not holds(cond.cond, ctx)
    if isinstance(cond, S.All):
        return all(holds(c, ctx) for c in cond.conds)
    if isinstance(cond, S.AnyOf):
        return any(holds(c, ctx) for c in cond.conds)
    if isinstance(cond, S.Tagged):
        return any(t in ctx.get("tags", ()) for t in cond.tags)
    if isinstance(cond, S.Flagged):
        return cond.flag in ctx.get(SHIPPER, {}).get("flags", ())
    raise AssertionError(f"unknown condition {cond!r}")


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
