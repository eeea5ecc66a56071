"""Stage 1c: a schema's nodes to the typed model, listing every problem at once.

Codes are stable (users and tests match on them):
SG001 YAML syntax, SG002 unknown key, SG003 wrong type, SG004 missing key, SG005 duplicate key,
SG006 duplicate field in a record layout, SG007 unknown field type, SG008 bad timestamp format,
SG009 undefined pattern, SG010 undefined value, SG011 bad regular expression, SG012 bad name,
SG013 bad or conflicting target, SG014 unknown timezone, SG015 reserved name, SG016 unused value,
SG017 inconsistent layout, SG018 option not valid for the value's type, SG022 a value that can
contain the separator, SG023 bad template, SG024 bad key list (SG019-SG021: dashboards;
SG025 bad rule, SG026 missing classifier model: detections).
"""
from __future__ import annotations

import dataclasses
import re
import zoneinfo
from pathlib import Path

import re2
import regex as onig_like

from stackgen.model.grok import BUILTIN, references
from stackgen.model.nodes import FieldType, KeyList, LogModel, Multiline, Value
from stackgen.model.timefmt import TimeFormatError, parse_format, parse_now
from stackgen.schema.dashboards import DashboardReader
from stackgen.schema.detections import DetectionReader
from stackgen.schema.layout import LayoutReader
from stackgen.schema.reader import Reader
from stackgen.schema.regexcheck import dialect_problem, nested_quantifier
from stackgen.schema.yamlnodes import Node

NAME_RE = r"[a-z][a-z0-9_-]*"
VALUE_RE = r"[a-z](?:[a-z0-9]|_(?!_))*"
PATTERN_RE = r"[A-Z][A-Z0-9_]*"
# The IANA names the JVM knows too: UTC and Area/Location (no "localtime", "right/...", "EST5EDT").
TIMEZONE_RE = r"UTC|(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)/[A-Za-z0-9_+\-/]+"
NAMESPACE_RE = r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*"
TARGET_RE = r"(?:@?[A-Za-z_][A-Za-z0-9_-]*)(?:\.[A-Za-z_][A-Za-z0-9_-]*)*"
RESERVED_TARGETS = {"tags", "event.original", "@metadata", "_id", "_index", "_source"}

TOP = {
    "schema_version": True, "name": True, "title": False, "index": False, "namespace": False,
    "source": True, "layout": True, "timestamp": True, "patterns": False, "values": True,
    "variants": False, "default_variant": False, "keep_original": False, "verify": False,
    "dashboards": False, "detections": False,
}
SOURCE = {"paths": True, "encoding": False, "multiline": False}
MULTILINE = {"start": True, "max_lines": False}
LAYOUT = {"separator": True, "head": True, "discriminator": False}
VALUE = {
    "type": False, "target": False, "null_values": False, "pattern": False, "format": False,
    "formats": False, "timezone": False, "true_values": False, "false_values": False, "labels": False,
    "label_target": False, "description": False, "split": False, "first": False, "ip_target": False,
    "host_target": False, "keys": False, "also": False, "ignore_above": False,
}
KEYS = {"style": False, "pair_separator": False, "value_separator": False, "map": True}
VERIFY = {"volatile_fields": False, "now": False}
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
            if version not in (None, 1, 2):
                self.error(top["schema_version"], "SG003", "schema_version", "schema_version is 1 or 2")
        name = self.string(top["name"], "name", regex=NAME_RE) if "name" in top else None
        opt = {k: self.string(top[k], k, regex=NAME_RE if k == "index" else NAMESPACE_RE) for k in ("index", "namespace")
               if k in top}
        title = self.string(top["title"], "title") if "title" in top else None
        if title and any(ord(c) < 32 or 0x7f <= ord(c) < 0xa0 or c in "\u2028\u2029" for c in title):
            self.error(top["title"], "SG003", "title", "a title is one line of text (no newlines or control characters)")
            title = None
        patterns = self._patterns(top.get("patterns"))
        values = self._values(top.get("values"), opt.get("namespace") or name or "", patterns)
        source = self._source(top.get("source"))
        layouts = LayoutReader(self)
        layout = layouts.layout(top.get("layout"))
        variants, default = layouts.variants(top, layout)
        keep = "on_failure"
        if "keep_original" in top:
            keep = self.string(top["keep_original"], "keep_original", regex="on_failure|always",
                               what="keep_original (on_failure or always)", code="SG003") or keep
        volatile: tuple[str, ...] = ()
        now = None
        if "verify" in top:
            verify = self.mapping(top["verify"], "verify", VERIFY) or {}
            if "volatile_fields" in verify:
                found = self.strings(verify["volatile_fields"], "verify.volatile_fields",
                                     regex=TARGET_RE, what="field", code="SG013") or []
                volatile = tuple(text for text, _ in found)
            if "now" in verify:
                now = self.string(verify["now"], "verify.now")
                try:
                    parse_now(now or "")
                except ValueError as exc:
                    self.error(verify["now"], "SG003", "verify.now", f"not an ISO 8601 time with offset: {exc}")
        if layout is not None and values is not None:
            used = layouts.check(top, layout, variants, default, values, self.declared)
            self._check_values(top, values, used)
            if not self.problems:
                self._check_shared_targets(layout, variants, default, values)
        if self.problems or None in (name, source, layout, values):
            return None
        timestamp = top["timestamp"].text if "timestamp" in top else ""
        model = LogModel(
            name=name, title=title or name, index=opt.get("index") or name,
            paths=source[0], encoding=source[1], multiline=source[2],
            separator=layout.separator, head=layout.head, discriminator=layout.discriminator, timestamp=timestamp,
            variants=tuple(variants), default_fields=default,
            values=tuple(v for v, _ in values.values()),
            patterns=tuple(sorted((k, v) for k, (v, _) in patterns.items())),
            keep_original=keep, volatile_fields=volatile, head_templates=layout.templates, body=layout.body,
            select="first_match" if layout.select == "field_count" else layout.select,
            continuation=layout.continuation, now=now,
        )
        fields = model.document_fields()
        dashboards = DashboardReader(self, fields).read(top.get("dashboards"))
        detections = DetectionReader(self, fields, Path(self.file).parent).read(top.get("detections"))
        return None if self.problems else dataclasses.replace(model, dashboards=dashboards, detections=detections)

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
            return
        dialect = dialect_problem(probe)
        if dialect:
            self.error(node, "SG011", path, f"not available in schema patterns: {dialect}")
            return
        nested = nested_quantifier(probe)
        if nested:
            self.error(node, "SG011", path, f"the repeated group {nested} holds a repeat itself: it can backtrack "
                                            "catastrophically on a line that almost matches; bound one of them")

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
        """Filebeat reads this with Go's RE2 (linear time: no lookaround, no back-references)."""
        options = re2.Options()
        options.log_errors = False  # the problem is reported here, not on stderr
        try:
            re2.compile(text, options)
        except re2.error as exc:
            reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
            self.error(node, "SG011", path, f"not an RE2 expression as Filebeat reads it (no lookarounds, "
                                            f"back-references, atomic groups or possessive quantifiers): {reason}")

    def _values(self, node: Node | None, namespace: str, patterns) -> dict[str, tuple[Value, Node]] | None:
        if node is None:
            return None
        if node.kind != "map":
            self.error(node, "SG003", "values", f"expected a mapping, found {node.type_name}")
            return None
        out: dict[str, tuple[Value, Node]] = {}
        targets: dict[str, tuple[str, FieldType]] = {}
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
            for target, where in ((value.target, "target"), (value.label_target, "label_target"),
                                  (value.ip_target, "ip_target"), (value.host_target, "host_target"),
                                  *((extra, "also") for extra in value.also)):
                if target is None:
                    continue
                kind = {"ip_target": FieldType.IP, "label_target": FieldType.KEYWORD,
                        "host_target": FieldType.KEYWORD}.get(where, value.type)
                self._claim_target(targets, target, kind, spec.get(where) or key, f"{path}.{where}")
        return out

    def _claim_target(self, targets: dict, target: str, kind: FieldType, node: Node, path: str) -> None:
        """A document field is written by values of one type (several may share it, e.g. per variant)."""
        root = target.split(".")[0]
        under = [r for r in ("tags", "event.original", "message") if target.startswith(r + ".")]
        if target in RESERVED_TARGETS or root.startswith(("sg_", "_")) or root == "log" or under or \
                (root.startswith("@") and target != "@timestamp") or "event.original".startswith(target + "."):
            self.error(node, "SG015", path, f"'{target}' is reserved (Elasticsearch's metadata, Filebeat's log.*, "
                                            "or a field stackgen writes itself: tags, event.original, message)")
            return
        if target == "message" and not path.endswith(".target"):
            self.error(node, "SG015", path, "only a value's own target may be 'message' (the record's text)")
            return
        for other, (other_path, other_kind) in targets.items():
            if other == target and other_kind is not kind:
                self.error(node, "SG013", path, f"target '{target}' is already used by {other_path} "
                                                f"with type {other_kind.value}")
                return
            if other.startswith(target + ".") or target.startswith(other + "."):
                self.error(node, "SG013", path,
                           f"target '{target}' conflicts with '{other}' ({other_path}): one would be an object")
                return
        targets.setdefault(target, (path, kind))

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
        target: str | None = f"{namespace}.{name}"
        if "target" in entries and entries["target"].kind == "scalar" and entries["target"].value is None:
            target = None  # parsed only: its keys or first element land elsewhere
            if kind not in (FieldType.KEYWORD, FieldType.TEXT) or entries.get("labels") is not None:
                self.error(entries["target"], "SG013", f"{path}.target", "only keyword or text values can be parse-only")
        elif "target" in entries:
            target = self.string(entries["target"], f"{path}.target", regex=TARGET_RE,
                                 what="document field", code="SG013") or target
        fields["target"] = target
        for key in ("null_values", "true_values", "false_values"):
            if key in entries:
                found = self.strings(entries[key], f"{path}.{key}")
                if found is not None:
                    fields[key] = tuple(text for text, _ in found)
                    for i, (text, item) in enumerate(found):
                        if key != "null_values":
                            self.quotable(text, item, f"{path}.{key}[{i}]")
        if "description" in entries:
            fields["description"] = self.string(entries["description"], f"{path}.description") or ""
        self._typed_options(kind, entries, path, fields, patterns)
        if "labels" in entries:
            fields["labels"] = self._labels(entries["labels"], f"{path}.labels")
            if "label_target" not in entries:
                self.error(entries["labels"], "SG004", path, "labels need a label_target")
        for key in ("label_target", "ip_target", "host_target"):
            if key in entries:
                fields[key] = self.string(entries[key], f"{path}.{key}", regex=TARGET_RE, what="document field",
                                          code="SG013")
        if "also" in entries:
            found = self.strings(entries["also"], f"{path}.also", regex=TARGET_RE, what="document field", code="SG013")
            fields["also"] = tuple(t for t, _ in found or ())
        for key in ("split", "first"):
            if key in entries:
                fields[key] = self.string(entries[key], f"{path}.{key}", regex=None if key == "split" else VALUE_RE,
                                          what="value name")
                if key == "split" and fields[key]:
                    self.quotable(fields[key], entries[key], f"{path}.split")  # Logstash's mutate split
        if "first" in entries and "split" not in entries:
            self.error(entries["first"], "SG018", f"{path}.first", "'first' names the first element of a list (split)")
        if fields.get("first") == name:
            self.error(entries["first"], "SG017", f"{path}.first", "a list's first element is another value")
        if "also" in entries and "split" in entries:
            self.error(entries["also"], "SG018", f"{path}.also", "'also' copies text, not lists")
        if "keys" in entries:
            fields["keys"] = self._keys(entries["keys"], f"{path}.keys")
        if "ignore_above" in entries and kind is FieldType.KEYWORD:
            limit = self.integer(entries["ignore_above"], f"{path}.ignore_above", 1)
            if limit is not None and limit > 32766:
                self.error(entries["ignore_above"], "SG003", f"{path}.ignore_above",
                           "at most 32766 (Lucene's limit for one keyword term, in bytes)")
            elif limit is not None:
                fields["ignore_above"] = limit
        if target == "message" and kind not in (FieldType.KEYWORD, FieldType.TEXT):
            self.error(entries.get("target") or spec, "SG013", f"{path}.target", "'message' holds text: keyword or text")
        return Value(**fields)

    def _keys(self, node: Node, path: str) -> KeyList | None:
        entries = self.mapping(node, path, KEYS)
        if entries is None:
            return None
        style = "pairs"
        if "style" in entries:
            style = self.string(entries["style"], f"{path}.style", regex="pairs|parens", what="style (pairs or parens)",
                                code="SG024") or style
        seps = {}
        for key, default in (("pair_separator", " "), ("value_separator", "=")):
            seps[key] = default
            if key in entries:
                seps[key] = self.string(entries[key], f"{path}.{key}") or default
        if style == "parens" and "pair_separator" in entries:
            self.error(entries["pair_separator"], "SG024", f"{path}.pair_separator", "parens lists have no pair separator")
        mapped = []
        if "map" in entries:
            if entries["map"].kind != "map" or not entries["map"].items:
                self.error(entries["map"], "SG024", f"{path}.map", "expected a mapping of KEY: value_name")
            else:
                for key, ref in entries["map"].items:
                    name = self.string(ref, f"{path}.map.{key.text}", regex=VALUE_RE, what="value name")
                    if name:
                        mapped.append((key.text, name))
        return KeyList(style, tuple(mapped), seps["pair_separator"], seps["value_separator"])

    def _typed_options(self, kind: FieldType, entries: dict[str, Node], path: str, fields: dict, patterns) -> None:
        text_like = kind in (FieldType.KEYWORD, FieldType.TEXT)
        rules = {
            "format": kind is FieldType.DATE, "formats": kind is FieldType.DATE, "timezone": kind is FieldType.DATE,
            "split": kind is FieldType.KEYWORD, "ip_target": kind is FieldType.KEYWORD,
            "host_target": kind is FieldType.KEYWORD, "keys": text_like, "also": text_like,
            "ignore_above": kind is FieldType.KEYWORD,
            "true_values": kind is FieldType.BOOLEAN, "false_values": kind is FieldType.BOOLEAN,
            "pattern": kind in (FieldType.KEYWORD, FieldType.TEXT),
        }
        for key, allowed in rules.items():
            if key in entries and not allowed:
                self.error(entries[key], "SG018", f"{path}.{key}", f"'{key}' does not apply to type {kind.value}")
        if kind is FieldType.DATE:
            if "timezone" not in entries:
                self.error(entries.get("type") or next(iter(entries.values())), "SG004", path,
                           "a date value needs 'timezone'")
            if ("format" in entries) == ("formats" in entries):
                self.error(entries.get("type") or next(iter(entries.values())), "SG004", path,
                           "a date value needs 'format' or 'formats' (one of them)")
            found = []
            if "format" in entries:
                found = [(self.string(entries["format"], f"{path}.format"), entries["format"], f"{path}.format")]
            elif "formats" in entries:
                found = [(t, n, f"{path}.formats[{i}]")
                         for i, (t, n) in enumerate(self.strings(entries["formats"], f"{path}.formats") or [])]
            for fmt, fnode, fpath in found:
                try:
                    parse_format(fmt or "")
                except TimeFormatError as exc:
                    self.error(fnode, "SG008", fpath, f"bad timestamp format: {exc}")
            fields["date_formats"] = tuple(f for f, _, _ in found if f)
            if "timezone" in entries:
                tz = self.string(entries["timezone"], f"{path}.timezone")
                try:
                    if not re.fullmatch(TIMEZONE_RE, tz or ""):
                        raise ValueError(tz)
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
                self.quotable(key.text, key, f"{path}.{key.text}")
                self.quotable(label, value, f"{path}.{key.text}")
                out.append((key.text, label))
        return tuple(out)

    # -- cross-references -------------------------------------------------------------------

    def _check_shared_targets(self, layout, variants, default, values) -> None:
        """Values may share a target only when no record can hold two of them (e.g. per variant)."""
        heads = [list(t.slots()) for t in layout.templates] or [list(layout.head)]
        tails = [v.values() for v in variants] + [list(default or ())]
        common = layout.continuation.slots() if layout.continuation else []
        reported: set[str] = set()
        for head in heads:
            for tail in tails:
                names = self._with_keys([*head, *tail, *common], values)
                owners: dict[str, str] = {}
                for name in names:
                    value = values[name][0]
                    for target in {value.target, value.label_target, value.ip_target, value.host_target, *value.also}:
                        if target is None:
                            continue
                        if target in owners and owners[target] != name and target not in reported:
                            reported.add(target)
                            self.error(values[name][1], "SG013", f"values.{name}",
                                       f"'{name}' and '{owners[target]}' both write '{target}' and can meet in one "
                                       "record: give one of them another target")
                        owners.setdefault(target, name)

    @staticmethod
    def _with_keys(names: list[str], values) -> list[str]:
        out, todo = [], list(names)
        while todo:
            name = todo.pop(0)
            if name in out or name not in values:
                continue
            out.append(name)
            value = values[name][0]
            todo += [ref for _, ref in (value.keys.keys if value.keys else ())] + ([value.first] if value.first else [])
        return out

    def _check_values(self, top, values, used: set[str]) -> None:
        """The timestamp, references between values, and values no layout uses."""
        for value, node in values.values():
            refs = [(value.first, f"values.{value.name}.first")] if value.first else []
            refs += [(ref, f"values.{value.name}.keys.map.{key}") for key, ref in (value.keys.keys if value.keys else ())]
            for ref, path in refs:
                if ref not in values:
                    self.error(node, "SG010", path, f"undefined value '{ref}'")
                else:
                    used.add(ref)
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
