"""Stage 0 (`stackgen infer`): raw logs in, a draft schema out, proven on its own input.

`header.find` finds where records start, the timestamp and the common header; `clusters.cluster`
finds the message types; `draft` writes them in the schema language (a pattern layout whose
variants are the message types, first match wins) and the caller validates it, keeps the input as
samples and generates their goldens with the local engine, so the draft is verified from the start.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

from stackgen.engines.framing import frame
from stackgen.engines.local import LocalEngine
from stackgen.errors import UsageError
from stackgen.infer.clusters import Cluster, cluster, tokenize
from stackgen.infer.templates import MIN_LITERAL, pattern, slot_type
from stackgen.infer.header import FORMATS, LEVELS, MAX_LEADING, SYSLOG, VARIABLE, Header, find
from stackgen.model.timefmt import parse_format
from stackgen.schema import parse_schema

__all__ = ["Draft", "draft_from_logs", "infer"]

ASSIGNMENT_VALUE = "<*>"
MAX_VARIANTS = 500
HEADER_SAMPLE = 2000  # lines the header is looked for on (each tried with every format and position)
MAX_ROUNDS = 8  # drafting rounds until the draft frames its input as it was drafted from


@dataclass
class Draft:
    """What `infer` found: the schema text, the message types and each record's type."""

    schema: str
    header: Header
    clusters: list[Cluster]
    variant_of: list[str]  # per record: its variant's name, "*" for the default
    templates: list[str]  # per record: its text with <*> for each variable part
    names: list[str] = field(default_factory=list)  # the variants, in schema order
    prefixes: list[str | None] = field(default_factory=list)  # per record: its header as a template
    bodies: list[bool] = field(default_factory=list)  # per record: it has a message after the header
    leading: list[list[str]] = field(default_factory=list)  # per record: the words before its timestamp

    def assign(self, variants: list[str]) -> None:
        """Record each record's variant ("*": none; "header": nothing after the header) and template."""
        texts = dict(zip(self.names, (template_text(c, self.header.separator) for c in self.clusters)))
        # a word before the timestamp that all of a variant's records share is literal (`- -`)
        seen: dict[str, list[Counter]] = {}
        for variant, words in zip(variants, self.leading):
            for i, word in enumerate(words):
                seen.setdefault(variant, [Counter() for _ in words])[i][word] += 1
        lead = {v: " ".join(next(iter(c)) if len(c) == 1 and c.total() >= MIN_LITERAL else ASSIGNMENT_VALUE
                            for c in counts) for v, counts in seen.items()}
        self.variant_of, self.templates = [], []
        for variant, prefix, body in zip(variants, self.prefixes, self.bodies):
            if prefix is None:  # the header did not fit: the record is one variable part
                self.variant_of.append("*")
                self.templates.append(ASSIGNMENT_VALUE)
                continue
            if variant == "*" and not body:
                variant = "header"
            self.variant_of.append(variant)
            text = texts[variant] if variant in texts else ASSIGNMENT_VALUE if body else ""
            self.templates.append(" ".join(t for t in (lead.get(variant, ""), prefix, text) if t))

    def report(self) -> str:
        lines = [f"# stackgen infer: {len(self.variant_of)} records, {len(self.clusters)} message types",
                 "", f"timestamp formats: {', '.join(self.header.formats) or 'none found'}; header: "
                 f"{self.header.kind}; records start on {self.header.coverage:.0%} of lines", ""]
        counts = Counter(self.variant_of)
        lines.append("| variant | records | template |")
        lines.append("|---|---|---|")
        for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            example = self.templates[self.variant_of.index(name)]
            lines.append(f"| {name} | {count} | `{example}` |")
        default = counts.get("*", 0)
        lines += ["", f"default variant (message kept whole): {default} records "
                      f"({default / max(1, len(self.variant_of)):.1%})"]
        return "\n".join(lines) + "\n"

    def assignments(self) -> str:
        return "".join(json.dumps({"variant": v, "template": t}, ensure_ascii=False) + "\n"
                       for v, t in zip(self.variant_of, self.templates))


def _slug(text: str, limit: int = 40) -> str:
    return "_".join(re.findall(r"[a-z0-9]+", text.lower()))[:limit].strip("_")


def _literal(word: str) -> str:
    return word.replace("{", "{{").replace("}", "}}")


def _yaml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def template_text(c: Cluster, separator: str | None) -> str:
    """A type's message as the public benchmarks write it: <*> for each variable part."""
    return (separator or " ").join("".join(ASSIGNMENT_VALUE if p is None else p for p in t) for t in c.tokens)


def infer(records: list[str], name: str, paths: list[str], now: str, drop: frozenset = frozenset(),
          header: Header | None = None) -> Draft:
    """A draft schema for these records (their first lines give the message; the header is found
    on them unless given)."""
    header = header or find([r.split("\n", 1)[0] for r in records[:HEADER_SAMPLE]])
    messages, prefixes = [], []
    stamp = "[<*>]" if header.bracketed else "<*>"
    start = stamp if header.formats else ""
    leading = []
    for text in records:
        line = text.split("\n", 1)[0]
        rest = header.rest(line)
        leading.append([] if rest is None else ["<*>"] if header.leading == VARIABLE else line.split()[:header.leading])
        key, prefix = None, None
        if rest is not None:
            prefix = start
            if header.kind == "syslog" and (m := SYSLOG.match(rest)):
                key, rest = m.group(2), rest[m.end():]
                prefix += f" <*> {key}" + ("[<*>]" if m.group(3) else "") + ":"
            elif header.kind == "level" and rest.split(" ", 1)[0].upper() in LEVELS:
                key, _, rest = rest.partition(" ")
                prefix += f" {key}"
            elif header.separator is not None and rest:
                rest = header.message(rest)
                prefix += " " + header.separator.strip()
        prefixes.append(prefix)
        messages.append((key, tokenize(rest or "", header.separator)))
    # every message type found is a variant, a message seen once too (its value-like words are
    # slots), up to MAX_VARIANTS; what is left stays in the default variant, its text kept whole
    found = [c for c in cluster(messages, header.separator) if c.tokens][:MAX_VARIANTS]
    names = [f"t{i + 1}_{_slug(' '.join(p for t in c.tokens for p in t if p) or 'values', 30) or 'values'}"
             for i, c in enumerate(found)]
    kept = [i for i in range(len(found)) if names[i] not in drop]
    found, names = [found[i] for i in kept], [names[i] for i in kept]
    namespace = _slug(name, 30) or "logs"
    draft = Draft(_schema(name, namespace, paths, now, header, found, names, messages), header, found, [], [])
    draft.names, draft.prefixes, draft.bodies = names, prefixes, [bool(t) for _, t in messages]
    draft.leading = leading
    member_of = {m: names[i] for i, c in enumerate(found) for m in c.members}
    draft.assign([member_of.get(i, "*") for i in range(len(records))])
    return draft


def _schema(name, namespace, paths, now, header: Header, found: list[Cluster], names: list[str], messages) -> str:
    out = ["# Drafted by `stackgen infer`: rename the values, give them ECS targets, then verify.",
           "schema_version: 2", f"name: {_slug(name, 40).replace('_', '-') or 'logs'}",
           f"title: {_yaml(name)}", f"namespace: {namespace}", f"index: {_slug(name, 40).replace('_', '-') or 'logs'}",
           "", "source:", f"  paths: [{', '.join(_yaml(p) for p in paths)}]"]
    if header.multiline:
        out.append(f"  multiline: {{start: {_yaml(header.multiline)}}}")
    patterns = ", ".join(_yaml(t) for t in header.templates())
    out += ["", "layout:", f"  patterns: [{patterns}]    # the first that fits wins", "  body: message"]
    if header.multiline:
        out.append("  continuation: '{continuation}'    # the lines after a record's first")
    out.append("")
    values = [f"  prefix: {{type: text, target: {namespace}.prefix}}"] if header.leading == VARIABLE else \
        [f"  field{i + 1}: {{target: {namespace}.field{i + 1}}}" for i in range(header.leading)]
    if header.formats:
        out.append("timestamp: timestamp")
        formats = ", ".join(_yaml(f) for f in header.formats)
        values.append(f"  timestamp: {{type: date, formats: [{formats}], timezone: UTC, target: '@timestamp'}}")
    if header.kind == "syslog":
        values += ["  host: {target: host.hostname}", "  program: {target: process.name}",
                   "  pid: {type: long, target: process.pid}"]
    elif header.kind == "level":
        values.append(f"  level: {{target: {namespace}.level}}    # ECS log.level is Filebeat's: stackgen keeps it")
    values.append("  message: {type: text, target: message}")
    if header.multiline:
        values.append(f"  continuation: {{type: text, target: {namespace}.continuation}}")
    variants = []
    separator = header.separator or " "
    stop = separator.strip()[0] if header.separator else " "
    for i, c in enumerate(found):
        k, tokens = 0, []
        for pos, parts in enumerate(c.tokens):
            regex = pattern(list(parts), stop)
            seen = [regex.fullmatch(messages[m][1][pos]) for m in c.members]
            text = []
            for j in range(sum(1 for p in parts if p is None)):
                k += 1
                value = f"{names[i]}_{k}"
                kind = slot_type({m.group(j + 1) for m in seen if m})
                limit = ", ignore_above: 8191" if kind == "keyword" else ""  # a draft: long words stay searchable
                values.append(f"  {value}: {{type: {kind}, target: {namespace}.{value}{limit}}}")
                text.append(value)
            slots = iter(text)
            tokens.append("".join(_literal(p) if p is not None else f"{{{next(slots)}}}" for p in parts))
        variants.append(f"  {names[i]}:")
        if c.key is not None:
            variants.append(f"    when: {{{'program' if header.kind == 'syslog' else 'level'}: {_yaml(c.key)}}}")
        variants.append(f"    pattern: {_yaml(separator.join(tokens))}    # {len(c.members)} records")
    if variants:
        out += ["variants:                      # message types, most specific first; the first that fits wins",
                *variants, ""]
    out += ["values:", *values, ""]
    if header.formats and any(not parse_format(f).named and not parse_format(f).has_year for f in header.formats):
        out += ["verify:", f"  now: {_yaml(now)}           # year-less timestamps are placed against this time", ""]
    return "\n".join(out)


def draft_from_logs(logs: list[tuple[str, bytes]], name: str, now: str) -> tuple[Draft, list[list[str]]]:
    """The draft for some log files ((path, bytes) each), from the records stackgen's own framing
    makes of them under the draft's rules; also those records, per file."""
    lines = [line for _, data in logs for line in data.decode("utf-8", "replace").splitlines()]
    paths = [path for path, _ in logs]
    rough = infer(lines, name, paths, now)  # the header and framing rule; records are lines so far
    if not rough.header.formats:
        raise UsageError(f"no timestamp starts most lines (tried {', '.join(FORMATS)}, up to {MAX_LEADING} "
                         "words in, bracketed or not): a schema needs one, so write this one by hand")
    model = parse_schema(rough.schema, f"{name}.yaml")
    drop: frozenset = frozenset()
    for _ in range(MAX_ROUNDS):
        # the records the draft's own framing makes; a variant claiming none of them is dropped
        records = [[r.text for r in frame(model, data, path)] for path, data in logs]
        texts = [r for file in records for r in file]
        draft = infer(texts, name, paths, now, drop, rough.header)  # the framing found on the lines
        model = parse_schema(draft.schema, f"{name}.yaml")
        engine = LocalEngine(model)
        taken = [engine.variant(text) or "*" for text in texts]
        unused = set(draft.names) - set(taken)
        framed = [[r.text for r in frame(model, data, path)] for path, data in logs]
        if not unused and framed == records:
            break
        drop |= unused
    else:
        raise AssertionError(f"infer: no stable draft in {MAX_ROUNDS} rounds")
    draft.assign(taken)
    return draft, records


