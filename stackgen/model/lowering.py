"""Stage 2: the model lowered once into the ordered step list every engine and target shares.

Order: split off continuation lines; match the head (delimited values or template alternatives);
then the variants and the continuation lines. Variants chosen by a discriminator form a switch
whose cases hold the variant's grok, the continuation grok and the variant's own values' parsing
and placement, so a record runs its own variant's steps only, however many variants the schema
has; otherwise the first variant whose conditions hold and whose pattern matches, then the
continuation grok. Then key lists and each remaining value's labels, list split, address split,
conversion or date and placement; failure tags; the original text; values that land in `message`
(only now that the raw record is gone); removal of temporary fields.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from stackgen.model import grok
from stackgen.model.grok import Expressions
from stackgen.model.nodes import (FAILURE_TAGS, FieldType, LogModel, TAG_DATE, TAG_GROK, TAG_TRUNCATED, TAG_VALUE,
                                  Value, Variant)
from stackgen.model.steps import (CASE_FIELD, AnyOf, Case, Convert, Copy, Flagged, Date, Equals, Exists, Grok, KeepOriginal, Move, NOW_FIELD,
                                  Not, Plan, Remove, Set, Split, Switch, Tag, Tagged, all_of)

RAW = "message"


@lru_cache(maxsize=32)
def lower(model: LogModel, switch: bool = True) -> Plan:
    """The steps for a model (cached: models are frozen). `switch=False` gives the flat list the
    switch replaced (each variant's grok under its own condition, every value placed after them),
    which the ingest benchmark measures as the before of that change; the documents are the same."""
    return _Lowering(model, switch).plan()


class _Lowering:
    def __init__(self, model: LogModel, switch: bool = True):
        self.model = model
        self.switch = switch
        self.values = {v.name: v for v in model.values}
        self.expr = Expressions(self.values, model.patterns)
        self.steps: list = []
        self.deferred: list = []  # placement into `message`, once the raw record is gone

    def grok(self, tag: str, field: str, patterns: list[str], when=None, fail_tag: str | None = None,
             variants: tuple[str, ...] = ()) -> None:
        defs: dict[str, str] = {}
        for pattern in patterns:
            defs.update(self.expr.definitions_for(pattern))
        cond = None if field == RAW else Exists(field)
        self.steps.append(Grok(tag, field, tuple(patterns), tuple(sorted(defs.items())), all_of(cond, when), fail_tag,
                               variants))

    def plan(self) -> Plan:
        model = self.model
        head_field = RAW
        self.steps.append(Tag("truncated", TAG_TRUNCATED, Flagged("truncated")))
        if model.continuation:
            self.grok("lines", RAW, [f"\\A(?<{grok.LINE}>[^\\n]*)(?:\\n(?<{grok.CONTINUATION}>[\\s\\S]*))?\\z"])
            head_field = grok.LINE
        patterns = [self.expr.head(model.separator, model.head)] if model.delimited else \
            [self.expr.template(t) for t in model.head_templates]
        self.grok("head", head_field, patterns, fail_tag=TAG_GROK)
        switched: set[str] = set()  # values placed inside the switch's cases
        by_discriminator = model.delimited and model.select == "discriminator" and model.discriminator
        if by_discriminator and self.switch and model.variants:
            switched = self._switch()  # each case matches the continuation lines itself
        else:
            if by_discriminator:
                self._by_discriminator()
            elif model.delimited and model.select == "discriminator":
                self._fields_group("variant:*", model.default_fields or (), None)
            elif model.delimited:
                self._first_match(grok.REST)
            elif model.variants:
                self._first_match(grok.capture(model.body))
            self._continuation()
        self._parse_and_place([v for v in model.values if v.name not in switched])
        self._bad_checks()
        failed = None if model.keep_original == "always" else Tagged(FAILURE_TAGS)
        self.steps.append(KeepOriginal("original", failed))
        self.steps.extend(self.deferred)
        temporaries = self._temporaries()
        self.steps.append(Remove("cleanup", temporaries))
        return Plan(tuple(self.steps), model.needs_now, temporaries)

    def _continuation(self) -> None:
        """Continuation lines, after the variant's grok (a value in both takes the continuation's)."""
        if self.model.continuation:
            self.grok("continuation", grok.CONTINUATION, [self.expr.template(self.model.continuation)],
                      fail_tag=TAG_GROK)

    def _parse_and_place(self, values: list[Value]) -> None:
        """Key lists parsed, then each value placed (in schema order)."""
        for value in values:
            if value.keys:
                self.grok(f"keys:{value.name}", grok.capture(value.name), [self.expr.keys(value.keys)])
        for value in values:
            self._place(value)

    def _collect(self, build) -> tuple:
        """The steps `build()` appends, taken aside (the body of a case)."""
        saved, self.steps = self.steps, []
        try:
            build()
            return tuple(self.steps)
        finally:
            self.steps = saved

    # -- variants ---------------------------------------------------------------------------

    def _switch(self) -> set[str]:
        """One case per set of variant fields: its grok, the continuation grok, then its own values'
        parsing and placement. Returns the values placed inside the cases (never again after them)."""
        model = self.model
        field = grok.capture(model.discriminator)
        common = self._closure([*model.head, *(model.continuation.slots() if model.continuation else [])])
        switched: set[str] = set()

        def body(tag: str, fields: tuple[str, ...]) -> tuple:
            own = self._closure(fields) - common
            switched.update(own)

            def build() -> None:
                self._fields_group(tag, fields, None)
                self._continuation()
                self._parse_and_place([v for v in model.values if v.name in own])
            return self._collect(build)

        cases = tuple(Case(_case_name(keys), tuple(keys), body(f"variant:{keys[0]}", fields))
                      for fields, keys in self._groups())
        default = body("variant:*", model.default_fields or ())
        self.steps.append(Switch("variant", field, cases, default))
        return switched

    def _by_discriminator(self) -> None:
        """The flat form: each set of variant fields one grok under its own condition."""
        model = self.model
        field = grok.capture(model.discriminator)
        for fields, keys in self._groups():
            self._fields_group(f"variant:{keys[0]}", fields, Equals(field, tuple(keys)))
        known = tuple(sorted(model.variant_keys))
        self._fields_group("variant:*", model.default_fields or (), Not(Equals(field, known)) if known else None)

    def _groups(self) -> list[tuple[tuple[str, ...], list[str]]]:
        """Variants by their fields, in schema order: (fields, the keys of the variants with them)."""
        by_fields: dict[tuple[str, ...], list[str]] = {}
        for variant in self.model.variants:
            by_fields.setdefault(variant.fields, []).append(variant.key)
        return list(by_fields.items())

    def _closure(self, names) -> set[str]:
        """The values these names parse into: themselves, their keys' values and lists' first elements."""
        out: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name in out or name not in self.values:
                continue
            out.add(name)
            value = self.values[name]
            todo += [n for _, n in value.keys.keys] if value.keys else []
            todo += [value.first] if value.first else []
        return out

    def _fields_group(self, tag: str, fields: tuple[str, ...], when) -> None:
        if not fields:
            self.steps.append(Tag(tag, TAG_GROK, all_of(Exists(grok.REST), when)))
            return
        self.grok(tag, grok.REST, [self.expr.fields(self.model.separator, fields)], when, TAG_GROK)

    def _first_match(self, body: str) -> None:
        """Variants in schema order; consecutive ones with the same conditions share one grok."""
        unmatched = Not(Exists(grok.MATCHED))
        groups: list[tuple[tuple, list[Variant]]] = []
        for variant in self.model.variants:
            if groups and groups[-1][0] == variant.when and not (variant.empty or groups[-1][1][-1].empty):
                groups[-1][1].append(variant)
            else:
                groups.append((variant.when, [variant]))
        for when, members in groups:
            cond = all_of(self._when(when), unmatched)
            tag = f"variant:{members[0].key}"
            if members[0].empty:
                # a variant without values: the record ended after the head
                self.steps.append(Set(tag, grok.MATCHED, "true", all_of(Not(Exists(body)), cond)))
                continue
            patterns = [self._variant_pattern(v) for v in members]
            self.grok(tag, body, patterns, cond, variants=tuple(v.key for v in members))
        if self.model.default_fields is not None:
            # delimited: a record must fit some variant; pattern layouts: a body must (none is fine)
            has_body = None if self.model.delimited else Exists(body)
            self.steps.append(Tag("variant:*", TAG_GROK, all_of(has_body, unmatched)))

    def _variant_pattern(self, variant: Variant) -> str:
        if variant.template:
            return self.expr.template(variant.template, marker=grok.MATCHED)
        return self.expr.fields(self.model.separator, variant.fields, marker=grok.MATCHED)

    def _when(self, when) -> object | None:
        conds = [Equals(grok.capture(name), texts) for name, texts in when]
        return all_of(*conds)

    # -- values -----------------------------------------------------------------------------

    def _place(self, value: Value) -> None:
        source = grok.capture(value.name)
        tag = f"value:{value.name}"
        for key, label in value.labels:
            self.steps.append(Set(f"label:{value.name}", value.label_target, label, Equals(source, (key,))))
        if value.split:
            self.steps.append(Split(tag, source, value.split))
        for extra in value.also:
            self.steps.append(Copy(tag, source, extra))
        if value.ip_target:
            self.steps.append(Move(tag, grok.ip_capture(value.name), value.ip_target))
        if value.host_target:
            self.steps.append(Move(tag, grok.host_capture(value.name), value.host_target))
        if value.target is None:
            return
        if value.type in (FieldType.INTEGER, FieldType.LONG):
            self.steps.append(Convert(tag, source, value.target, "long"))
        elif value.type in (FieldType.FLOAT, FieldType.DOUBLE):
            self.steps.append(Convert(tag, source, value.target, "double"))
        elif value.type is FieldType.BOOLEAN:
            for truth, tokens in ((True, value.true_values), (False, value.false_values)):
                if tokens:
                    self.steps.append(Set(tag, value.target, truth, Equals(source, tuple(tokens))))
        elif value.type is FieldType.DATE:
            self.steps.append(Date(tag, source, value.target, value.date_formats, value.timezone, TAG_DATE))
        else:
            claimed = Not(Exists(grok.MATCHED)) if value.name == self.model.body else None
            move = Move(tag, source, value.target, claimed)
            if value.target != RAW:
                self.steps.append(move)
            elif move not in self.deferred:  # a value of several variants: one move after them all
                self.deferred.append(move)

    def _bad_checks(self) -> None:
        checked = [v for v in self.model.values if v.type.is_checked]
        for tag, members in ((TAG_DATE, [v for v in checked if v.type is FieldType.DATE]),
                             (TAG_VALUE, [v for v in checked if v.type is not FieldType.DATE])):
            if members:
                self.steps.append(Tag(f"check:{tag}", tag, AnyOf(tuple(Exists(grok.bad(v.name)) for v in members))))

    def _temporaries(self) -> tuple[str, ...]:
        out = [grok.REST]
        if self.model.continuation:
            out += [grok.LINE, grok.CONTINUATION]
        if self.model.first_match:
            out.append(grok.MATCHED)
        for value in self.model.values:
            out += grok.value_captures(value)
        if self.model.needs_now:
            out.append(NOW_FIELD)
        if any(isinstance(step, Switch) for step in self.steps):
            out.append(CASE_FIELD)
        return tuple(out)



def _case_name(keys: list[str]) -> str:
    """A case's name: its first variant key, readable ([a-z0-9-], at most 32 characters), and a hash
    of all its keys, so names are unique and stay the same when other variants are added."""
    slug = "-".join(re.findall(r"[a-z0-9]+", keys[0].lower()))[:32].strip("-") or "x"
    return f"{slug}-{hashlib.sha1(chr(10).join(keys).encode('utf-8')).hexdigest()[:8]}"
