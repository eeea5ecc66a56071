"""Stage 1c: a schema's nodes to the typed model, listing every problem at once.

Codes are stable (users and tests match on them):
SG001 YAML syntax, SG002 unknown key, SG003 wrong type, SG004 missing key, SG005 duplicate key,
SG006 duplicate field in a record layout, SG007 unknown field type, SG008 bad timestamp format,
SG009 undefined pattern, SG010 undefined value, SG011 bad regular expression, SG012 bad name,
SG013 bad or conflicting target, SG014 unknown timezone, SG015 reserved name, SG016 unused value,
SG017 inconsistent layout, SG018 option not valid for the value's type.
"""
from __future__ import annotations

import dataclasses
import re
import zoneinfo

import regex as onig_like

from stackgen.model.grok import BUILTIN, references
from stackgen.model.nodes import FieldType, LogModel, Multiline, Value, Variant
from stackgen.model.timefmt import TimeFormatError, parse_format
from stackgen.schema.dashboards import DashboardReader
from stackgen.schema.reader import Reader
from stackgen.schema.yamlnodes import Node

NAME_RE = r"[a-z][a-z0-9_-]*"
VALUE_RE = r"[a-z](?:[a-z0-9]|_(?!_))*"
PATTERN_RE = r"[A-Z][A-Z0-9_]*"
TARGET_RE = r"(?:@?[A-Za-z_][A-Za-z0-9_-]*)(?:\.[A-Za-z_][A-Za-z0-9_-]*)*"
RESERVED_TARGETS = {"message", "tags", "event.original", "@metadata", "_id", "_index", "_source"}

TOP = {
    "schema_version": True, "name": True, "title": False, "index": False, "namespace": False,
    "source": True, "layout": True, "timestamp": True, "patterns": False, "values": True,
    "variants": False, "default_variant": False, "keep_original": False, "verify": False,
    "dashboards": False,
}
SOURCE = {"paths": True, "encoding": False, "multiline": False}
MULTILINE = {"start": True, "max_lines": False}
LAYOUT = {"separator": True, "head": True, "discriminator": False}
VALUE = {
    "type": False, "target": False, "null_values": False, "pattern": False, "format": False,
    "timezone": False, "true_values": False, "false_values": False, "labels": False,
    "label_target": False, "description": False,
}
VERIFY = {"volatile_fields": False}
ENCODINGS = {"utf-8", "utf8", "latin1", "iso-8859-1", "ascii"}


class SchemaReader(Reader):
    """Reads one schema file into a LogModel."""

    def __init__(self, file: str):
        super().__init__(file)
        self.declared: set[str] = set()  # value names present, valid or not (no cascading errors)

    def read(self, root: Node) -> LogModel | None:
        top = self.mapping(root, "", TOP)
        if top is None:
            return None
        if "schema_version" in top:
            version = self.integer(top["schema_version"], "schema_version", 1)
            if version not in (None, 1):
                self.error(top["schema_version"], "SG003", "schema_version", "only schema_version 1 exists")
        name = self.string(top["name"], "name", regex=NAME_RE) if "name" in top else None
        opt = {k: self.string(top[k], k, regex=NAME_RE) for k in ("index", "namespace") if k in top}
        title = self.string(top["title"], "title") if "title" in top else None
        patterns = self._patterns(top.get("patterns"))
        values = self._values(top.get("values"), opt.get("namespace") or name or "", patterns)
        source = self._source(top.get("source"))
        layout = self._layout(top.get("layout"))
        variants, default = self._variants(top, layout)
        keep = "on_failure"
        if "keep_original" in top:
            keep = self.string(top["keep_original"], "keep_original", regex="on_failure|always",
                               what="keep_original (on_failure or always)", code="SG003") or keep
        volatile: tuple[str, ...] = ()
        if "verify" in top:
            verify = self.mapping(top["verify"], "verify", VERIFY) or {}
            if "volatile_fields" in verify:
                found = self.strings(verify["volatile_fields"], "verify.volatile_fields",
                                     regex=TARGET_RE, what="field", code="SG013") or []
                volatile = tuple(text for text, _ in found)
        if layout is not None and values is not None:
            self._check_layout(top, layout, variants, default, values)
        if self.problems or None in (name, source, layout, values, variants):
            return None
        separator, head, discriminator = layout
        timestamp = top["timestamp"].text if "timestamp" in top else ""
        model = LogModel(
            name=name, title=title or name, index=opt.get("index") or name,
            paths=source[0], encoding=source[1], multiline=source[2],
            separator=separator, head=head, discriminator=discriminator, timestamp=timestamp,
            variants=variants, default_fields=default,
            values=tuple(v for v, _ in values.values()),
            patterns=tuple(sorted((k, v) for k, (v, _) in patterns.items())),
            keep_original=keep, volatile_fields=volatile,
        )
        dashboards = DashboardReader(self, model.document_fields()).read(top.get("dashboards"))
        return None if self.problems else dataclasses.replace(model, dashboards=dashboards)

    # -- sections ---------------------------------------------------------------------------

    def _patterns(self, node: Node | None) -> dict[str, tuple[str, Node]]:
        out: dict[str, tuple[str, Node]] = {}
        if node is None:
            return out
        if node.kind != "map":
            self.error(node, "SG003", "patterns", f"expected a mapping, found {node.type_name}")
            return out
        for key, value in node.items:
            path = f"patterns.{key.text}"
            if not re.fullmatch(PATTERN_RE, key.text):
                self.error(key, "SG012", path, f"'{key.text}' is not a valid pattern name (expected {PATTERN_RE})")
                continue
            if key.text.startswith("SG_"):
                self.error(key, "SG015", path, "pattern names starting with SG_ are reserved for stackgen")
                continue
            text = self.string(value, path)
            if text is None:
                continue
            out[key.text] = (text, value)
        for key, (text, value) in out.items():
            for ref in references(text):
                if ref not in out and ref not in BUILTIN:
                    self.error(value, "SG009", f"patterns.{key}", f"undefined pattern '{ref}'")
            self._check_regex(text, value, f"patterns.{key}", grok=True)
        return out

    def _check_regex(self, text: str, node: Node, path: str, grok: bool = False) -> None:
        probe = re.sub(r"%\{[^}]*\}", "x", text) if grok else text
        if "(?<" in probe.replace("(?<=", "").replace("(?<!", ""):
            self.error(node, "SG011", path, "named groups are not allowed; values are captured by the layout")
            return
        if "." in probe.replace("\\.", ""):
            self.error(node, "SG011", path,
                       "'.' matches newlines in Logstash but not in Elasticsearch: use a class like [^|]")
            return
        try:
            onig_like.compile(probe)
        except onig_like.error as exc:
            self.error(node, "SG011", path, f"invalid regular expression: {exc}")

    def _source(self, node: Node | None):
        if node is None:
            return None
        src = self.mapping(node, "source", SOURCE)
        if src is None:
            return None
        paths = self.strings(src["paths"], "source.paths") if "paths" in src else None
        if paths == []:
            self.error(src["paths"], "SG003", "source.paths", "expected at least one path")
        encoding = "utf-8"
        if "encoding" in src:
            encoding = self.string(src["encoding"], "source.encoding") or encoding
            if encoding.lower() not in ENCODINGS:
                self.error(src["encoding"], "SG003", "source.encoding",
                           f"unsupported encoding '{encoding}' (supported: {', '.join(sorted(ENCODINGS))})")
        multiline = None
        if "multiline" in src:
            ml = self.mapping(src["multiline"], "source.multiline", MULTILINE)
            if ml and "start" in ml:
                start = self.string(ml["start"], "source.multiline.start")
                if start is not None:
                    self._check_re2(start, ml["start"], "source.multiline.start")
                max_lines = 500
                if "max_lines" in ml:
                    max_lines = self.integer(ml["max_lines"], "source.multiline.max_lines", 1) or 500
                multiline = Multiline(start or "", max_lines)
        if not paths:
            return None
        return tuple(p for p, _ in paths), encoding.lower(), multiline

    def _check_re2(self, text: str, node: Node, path: str) -> None:
        """Filebeat reads this with Go's RE2: no lookaround, no back-references."""
        if re.search(r"\(\?<?[=!]|\\[1-9]|\(\?>|[*+?}]\+", text):
            self.error(node, "SG011", path, "Filebeat uses RE2: lookarounds, back-references, atomic groups "
                                            "and possessive quantifiers are not available")
            return
        try:
            re.compile(text)
        except re.error as exc:
            self.error(node, "SG011", path, f"invalid regular expression: {exc}")

    def _layout(self, node: Node | None):
        if node is None:
            return None
        lay = self.mapping(node, "layout", LAYOUT)
        if lay is None:
            return None
        sep = self.string(lay["separator"], "layout.separator") if "separator" in lay else None
        head = self.strings(lay["head"], "layout.head") if "head" in lay else None
        disc = self.string(lay["discriminator"], "layout.discriminator") if "discriminator" in lay else None
        if head == []:
            self.error(lay["head"], "SG003", "layout.head", "expected at least one value name")
        if disc is not None and head and disc not in [h for h, _ in head]:
            self.error(lay["discriminator"], "SG017", "layout.discriminator",
                       f"the discriminator '{disc}' must be one of the head values")
        if sep is None or not head:
            return None
        return sep, tuple(h for h, _ in head), disc

    def _variants(self, top: dict[str, Node], layout) -> tuple[tuple[Variant, ...] | None, tuple[str, ...]]:
        variants: list[Variant] = []
        node = top.get("variants")
        if node is not None:
            if layout is not None and layout[2] is None:
                self.error(node, "SG017", "variants", "variants need layout.discriminator to select them")
            if node.kind != "map":
                self.error(node, "SG003", "variants", f"expected a mapping, found {node.type_name}")
                return None, ()
            for key, value in node.items:
                fields = self._field_list(value, f"variants.{key.text}")
                if fields is not None:
                    variants.append(Variant(key.text, fields))
        default: tuple[str, ...] = ()
        if "default_variant" in top:
            default = self._field_list(top["default_variant"], "default_variant") or ()
        return tuple(variants), default

    def _field_list(self, node: Node, path: str) -> tuple[str, ...] | None:
        if node.kind == "scalar" and node.value is None:
            return ()
        found = self.strings(node, path)
        return None if found is None else tuple(text for text, _ in found)

    def _values(self, node: Node | None, namespace: str, patterns) -> dict[str, tuple[Value, Node]] | None:
        if node is None:
            return None
        if node.kind != "map":
            self.error(node, "SG003", "values", f"expected a mapping, found {node.type_name}")
            return None
        out: dict[str, tuple[Value, Node]] = {}
        targets: dict[str, tuple[str, Node]] = {}
        for key, spec in node.items:
            path = f"values.{key.text}"
            self.declared.add(key.text)
            if not re.fullmatch(VALUE_RE, key.text):
                self.error(key, "SG012", path,
                           f"'{key.text}' is not a valid value name (lowercase letters, digits, single '_')")
                continue
            value = self._value(key.text, spec, path, namespace, patterns)
            if value is None:
                continue
            out[key.text] = (value, key)
            for target, where in ((value.target, "target"), (value.label_target, "label_target")):
                if target is None:
                    continue
                self._claim_target(targets, target, spec.get(where) or key, f"{path}.{where}")
        return out

    def _claim_target(self, targets: dict[str, tuple[str, Node]], target: str, node: Node, path: str) -> None:
        if target in RESERVED_TARGETS or target.startswith("@metadata") or target.startswith("sg_"):
            self.error(node, "SG015", path, f"'{target}' is reserved (stackgen writes it itself)")
            return
        for other, (other_path, _) in targets.items():
            if other == target:
                self.error(node, "SG013", path, f"target '{target}' is already used by {other_path}")
                return
            if other.startswith(target + ".") or target.startswith(other + "."):
                self.error(node, "SG013", path,
                           f"target '{target}' conflicts with '{other}' ({other_path}): one would be an object")
                return
        targets[target] = (path, node)

    def _value(self, name: str, spec: Node, path: str, namespace: str, patterns) -> Value | None:
        if spec.kind == "scalar" and spec.value is None:
            return Value(name, FieldType.KEYWORD, f"{namespace}.{name}")
        entries = self.mapping(spec, path, VALUE)
        if entries is None:
            return None
        kind = FieldType.KEYWORD
        if "type" in entries:
            text = self.string(entries["type"], f"{path}.type")
            try:
                kind = FieldType(text)
            except ValueError:
                choices = ", ".join(t.value for t in FieldType)
                self.error(entries["type"], "SG007", f"{path}.type", f"unknown field type '{text}' (one of: {choices})")
                return None
        fields: dict[str, object] = {"name": name, "type": kind}
        target = f"{namespace}.{name}"
        if "target" in entries:
            target = self.string(entries["target"], f"{path}.target", regex=TARGET_RE,
                                 what="document field", code="SG013") or target
        fields["target"] = target
        for key in ("null_values", "true_values", "false_values"):
            if key in entries:
                found = self.strings(entries[key], f"{path}.{key}")
                if found is not None:
                    fields[key] = tuple(text for text, _ in found)
        if "description" in entries:
            fields["description"] = self.string(entries["description"], f"{path}.description") or ""
        self._typed_options(kind, entries, path, fields, patterns)
        if "labels" in entries:
            fields["labels"] = self._labels(entries["labels"], f"{path}.labels")
            if "label_target" not in entries:
                self.error(entries["labels"], "SG004", path, "labels need a label_target")
        if "label_target" in entries:
            fields["label_target"] = self.string(entries["label_target"], f"{path}.label_target",
                                                 regex=TARGET_RE, what="document field", code="SG013")
        return Value(**fields)

    def _typed_options(self, kind: FieldType, entries: dict[str, Node], path: str, fields: dict, patterns) -> None:
        rules = {
            "format": kind is FieldType.DATE, "timezone": kind is FieldType.DATE,
            "true_values": kind is FieldType.BOOLEAN, "false_values": kind is FieldType.BOOLEAN,
            "pattern": kind in (FieldType.KEYWORD, FieldType.TEXT),
        }
        for key, allowed in rules.items():
            if key in entries and not allowed:
                self.error(entries[key], "SG018", f"{path}.{key}", f"'{key}' does not apply to type {kind.value}")
        if kind is FieldType.DATE:
            for key in ("format", "timezone"):
                if key not in entries:
                    self.error(entries.get("type") or next(iter(entries.values())), "SG004", path,
                               f"a date value needs '{key}'")
            if "format" in entries:
                fmt = self.string(entries["format"], f"{path}.format")
                try:
                    parse_format(fmt or "")
                    fields["date_formats"] = (fmt,)
                except TimeFormatError as exc:
                    self.error(entries["format"], "SG008", f"{path}.format", f"bad timestamp format: {exc}")
            if "timezone" in entries:
                tz = self.string(entries["timezone"], f"{path}.timezone")
                try:
                    zoneinfo.ZoneInfo(tz or "")
                    fields["timezone"] = tz
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    self.error(entries["timezone"], "SG014", f"{path}.timezone",
                               f"unknown timezone '{tz}' (an IANA name such as Europe/Brussels or UTC)")
        if "pattern" in entries and rules["pattern"]:
            ref = self.string(entries["pattern"], f"{path}.pattern", regex=PATTERN_RE, what="pattern name")
            if ref is not None and ref not in patterns:
                self.error(entries["pattern"], "SG009", f"{path}.pattern", f"undefined pattern '{ref}'")
            fields["pattern"] = ref
        if kind is FieldType.BOOLEAN:
            common = set(fields.get("true_values", ("true",))) & set(fields.get("false_values", ("false",)))
            if common:
                self.error(entries.get("true_values") or entries["type"], "SG003", path,
                           f"{sorted(common)} cannot be both true and false")

    def _labels(self, node: Node, path: str) -> tuple[tuple[str, str], ...]:
        if node.kind != "map":
            self.error(node, "SG003", path, f"expected a mapping, found {node.type_name}")
            return ()
        out = []
        for key, value in node.items:
            label = self.string(value, f"{path}.{key.text}")
            if label is not None:
                out.append((key.text, label))
        return tuple(out)

    # -- cross-references -------------------------------------------------------------------

    def _check_layout(self, top, layout, variants, default, values) -> None:
        separator, head, discriminator = layout
        used: set[str] = set()
        head_node = top["layout"].get("head")

        def check_list(names, node: Node, path: str, base: tuple[str, ...]) -> None:
            items = node.children if node is not None and node.kind == "seq" else []
            seen = set(base)
            for i, name in enumerate(names):
                where = items[i] if i < len(items) else node
                if name not in values and name in self.declared:
                    pass  # its own definition is already reported
                elif name not in values:
                    close = [n for n in values if n.startswith(name[:3])][:1]
                    hint = f"; did you mean '{close[0]}'?" if close else ""
                    self.error(where, "SG010", f"{path}[{i}]", f"undefined value '{name}'{hint}")
                elif name in seen:
                    self.error(where, "SG006", f"{path}[{i}]", f"'{name}' appears twice in this record layout")
                seen.add(name)
                used.add(name)

        check_list(head, head_node, "layout.head", ())
        variant_nodes = {k.text: v for k, v in top["variants"].items} if "variants" in top else {}
        for variant in variants or ():
            check_list(variant.fields, variant_nodes.get(variant.key), f"variants.{variant.key}", head)
        if "default_variant" in top:
            check_list(default, top["default_variant"], "default_variant", head)
        ts_node = top.get("timestamp")
        ts = self.string(ts_node, "timestamp") if ts_node is not None else None
        if ts is not None and not (ts in self.declared and ts not in values):
            if ts not in values:
                self.error(ts_node, "SG010", "timestamp", f"undefined value '{ts}'")
            elif values[ts][0].type is not FieldType.DATE:
                self.error(ts_node, "SG003", "timestamp", f"the timestamp value '{ts}' must have type date")
            elif values[ts][0].target != "@timestamp":
                self.error(ts_node, "SG013", "timestamp", f"the timestamp value '{ts}' must target '@timestamp'")
        for name, (value, key) in values.items():
            if name not in used:
                self.error(key, "SG016", f"values.{name}", f"value '{name}' is declared but no layout uses it")
        if discriminator and discriminator in values and values[discriminator][0].type is not FieldType.KEYWORD:
            self.error(values[discriminator][1], "SG017", f"values.{discriminator}", "the discriminator must be a keyword")
        if separator.strip() == "":
            self.error(top["layout"].get("separator"), "SG003", "layout.separator",
                       "the separator needs a visible character")
