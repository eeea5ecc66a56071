"""Stage 0e of `infer`: the draft in the schema language.

A pattern layout for the header found (`header.Header.templates`), one variant per message type,
most specific first (the first that fits wins), each slot a value typed by what the sample holds
in it, and `verify.now` when timestamps have no year.
"""
from __future__ import annotations

import json
import re

from stackgen.infer.clusters import Cluster
from stackgen.infer.header import VARIABLE, Header
from stackgen.infer.templates import pattern, slot_type
from stackgen.model.timefmt import parse_format


def slug(text: str, limit: int = 40) -> str:
    return "_".join(re.findall(r"[a-z0-9]+", text.lower()))[:limit].strip("_")


def _literal(word: str) -> str:
    return word.replace("{", "{{").replace("}", "}}")


def _yaml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


# the ECS field a slot holds when the literal before it says so (`from <ip>`, `for user <name>`, `rhost=<ip>`)
ECS_AFTER = {
    "ip": {"from": "source.ip", "rhost=": "source.ip", "src=": "source.ip", "to": "destination.ip",
           "dst=": "destination.ip", "server": "destination.ip"},
    "keyword": {"user": "user.name", "for": "user.name", "user=": "user.name", "ruser=": "user.name",
                "host=": "host.name", "url=": "url.original"},
    "long": {"port": "source.port", "spt=": "source.port", "dpt=": "destination.port", "pid=": "process.pid"},
}


def ecs_target(before: str | None, kind: str, taken: set) -> str | None:
    """The ECS field for a slot of this type after this literal, once per variant (a port only
    after an address: `from <ip> port <n>`)."""
    target = ECS_AFTER.get(kind, {}).get((before or "").strip().lower())
    if target == "source.port" and "source.ip" not in taken:
        return None
    return None if target in taken else target


def slot_kinds(c: Cluster, tokens: list[list[str]], separator: str | None) -> list[str]:
    """The type of each of a message type's slots, in order, from its members' tokens (`tokens`:
    the sample's messages, as the members index them)."""
    stop = separator.strip()[0] if separator else " "
    kinds = []
    for pos, parts in enumerate(c.tokens):
        regex = pattern(list(parts), stop)
        seen = [regex.fullmatch(tokens[m][pos]) for m in c.members]
        for j in range(sum(1 for p in parts if p is None)):
            kinds.append(slot_type({m.group(j + 1) for m in seen if m}))
    return kinds


def schema_text(name: str, paths: list[str], now: str, header: Header, found: list[Cluster], names: list[str],
                kinds: list[list[str]]) -> str:
    """The draft schema: header values, then one variant per message type (`kinds`: each one's slot types)."""
    namespace = slug(name, 30) or "logs"
    out = ["# Drafted by `stackgen infer`: rename the values, give them ECS targets, then verify.",
           "schema_version: 2", f"name: {slug(name, 40).replace('_', '-') or 'logs'}",
           f"title: {_yaml(name)}", f"namespace: {namespace}", f"index: {slug(name, 40).replace('_', '-') or 'logs'}",
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
    for c, variant, types in zip(found, names, kinds):
        slots = iter(types)
        k, tokens, targets, before = 0, [], set(), None
        for parts in c.tokens:
            text = []
            for i, part in enumerate(parts):
                if part is not None:
                    before = part
                    continue
                k += 1
                value, kind = f"{variant}_{k}", next(slots)
                target = ecs_target(before if i or len(parts) == 1 or before is None else None, kind, targets)
                targets.add(target)
                limit = ", ignore_above: 8191" if kind == "keyword" else ""  # a draft: long words stay searchable
                values.append(f"  {value}: {{type: {kind}, target: {target or namespace + '.' + value}{limit}}}")
                text.append(value)
                before = None
            if len(parts) > 1:
                before = None  # a refined token is no word before the next token's slot
            names_of = iter(text)
            tokens.append("".join(_literal(p) if p is not None else f"{{{next(names_of)}}}" for p in parts))
        variants.append(f"  {variant}:")
        if c.key is not None:
            variants.append(f"    when: {{{'program' if header.kind == 'syslog' else 'level'}: {_yaml(c.key)}}}")
        variants.append(f"    pattern: {_yaml(separator.join(tokens))}    # {len(c.members)} records in the sample")
    if variants:
        out += ["variants:                      # message types, most specific first; the first that fits wins",
                *variants, ""]
    out += ["values:", *values, ""]
    if header.formats and any(not parse_format(f).named and not parse_format(f).has_year for f in header.formats):
        out += ["verify:", f"  now: {_yaml(now)}           # year-less timestamps are placed against this time", ""]
    return "\n".join(out)
