"""Stage 2: the model lowered once into the ordered step list every engine and target shares.

Order: split off continuation lines; match the head (delimited values or template alternatives);
match the body with the variants (by discriminator, or the first whose conditions hold and whose
pattern matches); match continuation lines and key lists; then each value's labels, list split,
address split, conversion or date and placement; failure tags; the original text; values that
land in `message` (only now that the raw record is gone); removal of temporary fields.
"""
from __future__ import annotations

from functools import lru_cache

from stackgen.model import grok
from stackgen.model.grok import Expressions
from stackgen.model.nodes import (FAILURE_TAGS, FieldType, LogModel, TAG_DATE, TAG_GROK, TAG_TRUNCATED, TAG_VALUE,
                                  Value, Variant)
from stackgen.model.steps import (AnyOf, Convert, Copy, Flagged, Date, Equals, Exists, Grok, KeepOriginal, Move, NOW_FIELD,
                                  Not, Plan, Remove, Set, Split, Tag, Tagged, all_of)

RAW = "message"


@lru_cache(maxsize=32)
def lower(model: LogModel) -> Plan:
    """The steps for a model (cached: models are frozen)."""
    return _Lowering(model).plan()


class _Lowering:
    def __init__(self, model: LogModel):
        self.model = model
        self.values = {v.name: v for v in model.values}
        self.expr = Expressions(self.values, model.patterns)
        self.steps: list = []

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
        if model.delimited:
            self.grok("head", head_field, [self.expr.head(model.separator, model.head)], fail_tag=TAG_GROK)
            if model.select == "discriminator" and model.discriminator:
                self._by_discriminator()
            elif model.select == "discriminator":
                self._fields_group("variant:*", model.default_fields or (), None)
            else:
                self._first_match(grok.REST)
        else:
            patterns = [self.expr.template(t) for t in model.head_templates]
            self.grok("head", head_field, patterns, fail_tag=TAG_GROK)
            if model.variants:
                self._first_match(grok.capture(model.body))
        if model.continuation:
            self.grok("continuation", grok.CONTINUATION, [self.expr.template(model.continuation)], fail_tag=TAG_GROK)
        for value in model.values:
            if value.keys:
                self.grok(f"keys:{value.name}", grok.capture(value.name), [self.expr.keys(value.keys)])
        deferred: list = []
        for value in model.values:
            self._place(value, deferred)
        self._bad_checks()
        failed = None if model.keep_original == "always" else Tagged(FAILURE_TAGS)
        self.steps.append(KeepOriginal("original", failed))
        self.steps.extend(deferred)
        temporaries = self._temporaries()
        self.steps.append(Remove("cleanup", temporaries))
        return Plan(tuple(self.steps), model.needs_now, temporaries)

    # -- variants ---------------------------------------------------------------------------

    def _by_discriminator(self) -> None:
        model = self.model
        field = grok.capture(model.discriminator)
        by_fields: dict[tuple[str, ...], list[str]] = {}
        for variant in model.variants:
            by_fields.setdefault(variant.fields, []).append(variant.key)
        for fields, keys in by_fields.items():
            self._fields_group(f"variant:{keys[0]}", fields, Equals(field, tuple(keys)))
        known = tuple(sorted(model.variant_keys))
        self._fields_group("variant:*", model.default_fields or (), Not(Equals(field, known)) if known else None)

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

    def _place(self, value: Value, deferred: list) -> None:
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
            (deferred if value.target == RAW else self.steps).append(move)

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
        return tuple(out)

