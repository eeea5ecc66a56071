"""Stage 0 (`stackgen infer`): raw logs in, a draft schema out, proven on its own input.

`header.find` finds where records start, the timestamp and the common header on a sample of the
lines; the records are framed as the draft's own rules frame them. `clusters.cluster` finds the
message types on a sample of the records (`SAMPLE`, spread over the input), `drafts.schema_text`
writes them in the schema language (a pattern layout whose variants are the message types, first
match wins) and `matcher.Matcher` gives every record its type in one linear pass. The local engine
then runs the draft on a bounded sample (every type's first records among them): where it agrees
with the matcher everywhere, the assignments stand; otherwise it decides every record. Types no
record takes are dropped. The caller keeps the input as samples and generates their goldens with
the local engine, so the draft is verified from the start.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from stackgen.engines.framing import frame
from stackgen.engines.local import LocalEngine
from stackgen.errors import UsageError
from stackgen.infer.clusters import Cluster, cluster, tokenize
from stackgen.infer.drafts import schema_text, slot_kinds, slug
from stackgen.infer.header import FORMATS, LEVELS, MAX_LEADING, SYSLOG, VARIABLE, Header, find
from stackgen.infer.matcher import Matcher
from stackgen.infer.templates import MIN_LITERAL, token_parts
from stackgen.schema import parse_schema

__all__ = ["Draft", "draft_from_logs", "infer"]

ASSIGNMENT_VALUE = "<*>"
MAX_VARIANTS = 500
HEADER_SAMPLE = 2000  # lines the header is looked for on, spread over the input
SAMPLE = 4000  # records the message types are found on, spread over the input
CHECKED = 200  # records the local engine checks, spread over the input ...
CHECKED_PER_TYPE = 2  # ... and each type's first records
PROGRESS = 200_000  # records between two progress lines
MAX_ROUNDS = 8  # rounds of clustering what the types left, and of the engine dropping types

Progress = Callable[[str], None]


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
    leading: list[tuple[str, ...]] = field(default_factory=list)  # per record: the words before its timestamp
    tails: list[str] = field(default_factory=list)  # per record: the lines after its first ("" for none)
    pids: list[str] = field(default_factory=list)  # per record: its syslog pid ("" for none)
    kinds: list[list[str]] = field(default_factory=list)  # per variant: its slots' types
    checked: int = 0  # records the local engine ran on

    def assign(self, variants: list[str]) -> None:
        """Record each record's variant ("*": none; "header": nothing after the header) and template."""
        texts = dict(zip(self.names, (template_text(c, self.header.separator) for c in self.clusters)))
        # the words before the timestamp, by variant and count: a word all share is literal (`- -`),
        # values of one shape are refined (`<*>,`)
        seen: dict[tuple[str, int], list[Counter]] = {}
        for variant, words in zip(variants, self.leading):
            if words:
                counts = seen.setdefault((variant, len(words)), [Counter() for _ in words])
                for i, word in enumerate(words):
                    counts[i][word] += 1
        lead = {v: " ".join(_lead(c) for c in counts) for v, counts in seen.items()}
        # so are the lines after the first when all of a variant's records continue with the same
        ends: dict[str, Counter] = {}
        for variant, tail in zip(variants, self.tails):
            if tail:
                ends.setdefault(variant, Counter())[tail] += 1
        end = {v: next(iter(c)) if len(c) == 1 and c.total() >= MIN_LITERAL and v != "*" else ASSIGNMENT_VALUE
               for v, c in ends.items()}
        # and a pid all of a variant's records have (systemd[1])
        pids: dict[str, Counter] = {}
        for variant, pid in zip(variants, self.pids):
            if pid:
                pids.setdefault(variant, Counter())[pid] += 1
        pid_of = {v: f"[{next(iter(c))}]:" for v, c in pids.items() if len(c) == 1 and c.total() >= MIN_LITERAL}
        self.variant_of, self.templates = [], []
        for variant, prefix, body, tail, pid, words in zip(variants, self.prefixes, self.bodies, self.tails,
                                                          self.pids, self.leading):
            if prefix is None:  # the header did not fit: the record is one variable part
                self.variant_of.append("*")
                self.templates.append(ASSIGNMENT_VALUE)
                continue
            if variant == "*" and not body:
                variant = "header"
            self.variant_of.append(variant)
            text = texts[variant] if variant in texts else ASSIGNMENT_VALUE if body else ""
            if pid and variant in pid_of:
                prefix = prefix.replace("[<*>]:", pid_of[variant])
            self.templates.append(" ".join(t for t in (lead.get((variant, len(words)), ""), prefix, text) if t)
                                  + ("\n" + end[variant] if tail else ""))

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


def _lead(counts: Counter) -> str:
    if len(counts) == 1 and counts.total() >= MIN_LITERAL:
        return next(iter(counts))
    return "".join(ASSIGNMENT_VALUE if p is None else p for p in token_parts(sorted(counts), " "))


def template_text(c: Cluster, separator: str | None) -> str:
    """A type's message as the public benchmarks write it: <*> for each variable part."""
    return (separator or " ").join("".join(ASSIGNMENT_VALUE if p is None else p for p in t) for t in c.tokens)


def spread(n: int, k: int) -> list[int]:
    """At most `k` of the positions 0..n-1, evenly spread (all of them when n <= k)."""
    return list(range(n)) if n <= k else [i * n // k for i in range(k)]


@dataclass
class Read:
    """The records split at their header: per record its header as a template (None: no fit),
    its key (program or level), its message and the words before its timestamp."""

    prefixes: list[str | None]
    keys: list[str | None]
    messages: list[str]
    leading: list[tuple[str, ...]]
    tails: list[str]
    pids: list[str]


def read(records: list[str], header: Header, progress: Progress | None = None) -> Read:
    stamp = ("[<*>]" if header.bracketed else "<*>") if header.formats else ""
    delimiter = " " + header.separator.strip() if header.separator is not None else None
    out = Read([], [], [], [], [], [])
    interned: dict[str, str] = {}
    none: tuple[str, ...] = ()
    for n, text in enumerate(records, 1):
        if progress is not None and n % PROGRESS == 0:
            progress(f"infer: {n:,}/{len(records):,} records read")
        line, _, tail = text.partition("\n")
        out.tails.append(tail)
        rest = header.rest(line)
        out.leading.append(none if rest is None or not header.leading else
                           tuple(line[:line.index("[")].split()) if header.leading == VARIABLE
                           else tuple(line.split(None, header.leading)[:header.leading]))
        key, prefix, pid = None, None, ""
        if rest is not None:
            prefix = stamp
            if header.kind == "syslog" and (m := SYSLOG.match(rest)):
                key, rest, pid = m.group(2), rest[m.end():], m.group(3) or ""
                prefix = f"{stamp} <*> {key}" + ("[<*>]:" if m.group(3) else ":")
            elif header.kind == "level" and rest.split(" ", 1)[0].upper() in LEVELS:
                key, _, rest = rest.partition(" ")
                prefix = f"{stamp} {key}"
            elif delimiter is not None and rest:
                rest = header.message(rest)
                prefix = stamp + delimiter
            prefix = interned.setdefault(prefix, prefix)
        out.prefixes.append(prefix)
        out.keys.append(key)
        out.pids.append(pid)
        out.messages.append(rest or "")
    return out


def infer(records: list[str], name: str, paths: list[str], now: str, header: Header,
          progress: Progress | None = None) -> Draft:
    """A draft schema for these records (their first lines give the message), with the header found."""
    separator = header.separator
    parts = read(records, header, progress)
    # every message type found is a variant, a message seen once too (its value-like words are
    # slots), up to MAX_VARIANTS; what is left stays in the default variant, its text kept whole
    found: list[Cluster] = []
    kinds: list[list[str]] = []
    taken: list[int | None] = [None] * len(records)
    pending = [i for i, (prefix, message) in enumerate(zip(parts.prefixes, parts.messages)) if prefix and message]
    for _ in range(MAX_ROUNDS):  # types found on a sample; then on a sample of what they left
        if not pending or len(found) >= MAX_VARIANTS:
            break
        sample = [pending[i] for i in spread(len(pending), SAMPLE)]
        tokens = [tokenize(parts.messages[i], separator) for i in sample]
        new = [c for c in cluster([(parts.keys[i], t) for i, t in zip(sample, tokens)], separator) if c.tokens]
        new = new[:MAX_VARIANTS - len(found)]
        new_kinds = [slot_kinds(c, tokens, separator) for c in new]
        # a record left by the earlier types can only take one of these: first match wins
        matcher, offset = Matcher(new, new_kinds, separator), len(found)
        for n, i in enumerate(pending, 1):
            if progress is not None and n % PROGRESS == 0:
                progress(f"infer: {n:,}/{len(pending):,} records matched")
            t = matcher.match(parts.keys[i], parts.messages[i])
            taken[i] = None if t is None else t + offset
        found += new
        kinds += new_kinds
        if len(pending) <= SAMPLE:
            break  # every record left was clustered: what no type takes stays in the default variant
        pending = [i for i in pending if taken[i] is None]
    names = [f"t{i + 1}_{slug(' '.join(p for t in c.tokens for p in t if p) or 'values', 30) or 'values'}"
             for i, c in enumerate(found)]
    used = sorted({t for t in taken if t is not None})  # a type that takes no record is dropped
    found, names, kinds = [found[i] for i in used], [names[i] for i in used], [kinds[i] for i in used]
    draft = Draft(schema_text(name, paths, now, header, found, names, kinds), header, found, [], [], names,
                  parts.prefixes, [bool(m) for m in parts.messages], parts.leading, parts.tails, parts.pids, kinds)
    old = dict(zip(used, names))
    draft.assign([old[t] if t is not None else "*" for t in taken])
    return draft


def _lines(logs: list[tuple[str, bytes]], k: int) -> list[str]:
    lines = [line for _, data in logs for line in data.decode("utf-8", "replace").splitlines()]
    return [lines[i] for i in spread(len(lines), k)]


def draft_from_logs(logs: list[tuple[str, bytes]], name: str, now: str,
                    progress: Progress | None = None) -> tuple[Draft, list[list[str]]]:
    """The draft for some log files ((path, bytes) each), from the records stackgen's own framing
    makes of them under the draft's rules; also those records, per file. `progress` is told how
    far a large input has got."""
    paths = [path for path, _ in logs]
    header = find(_lines(logs, HEADER_SAMPLE))
    if not header.formats:
        raise UsageError(f"no timestamp starts most lines (tried {', '.join(FORMATS)}, up to {MAX_LEADING} "
                         "words in, bracketed or not): a schema needs one, so write this one by hand")
    framing = parse_schema(schema_text(name, paths, now, header, [], [], []), f"{name}.yaml")
    records = [[r.text for r in frame(framing, data, path)] for path, data in logs]
    texts = [r for file in records for r in file]
    draft = infer(texts, name, paths, now, header, progress)
    first: dict[str, list[int]] = {}
    for i, variant in enumerate(draft.variant_of):
        if len(first.setdefault(variant, [])) < CHECKED_PER_TYPE:
            first[variant].append(i)
    checked = sorted(set(spread(len(texts), CHECKED)).union(*first.values()))
    engine = LocalEngine(parse_schema(draft.schema, f"{name}.yaml"))
    if all(_ours(draft, i) == (engine.variant(texts[i]) or "*") for i in checked):
        draft.checked = len(checked)
        return draft, records
    # the matcher and the engine disagree: the engine decides every record
    for _ in range(MAX_ROUNDS):
        taken = [engine.variant(text) or "*" for text in texts]
        unused = set(draft.names) - set(taken)
        if not unused:
            break
        keep = [i for i, n in enumerate(draft.names) if n not in unused]
        draft.clusters, draft.names = [draft.clusters[i] for i in keep], [draft.names[i] for i in keep]
        draft.kinds = [draft.kinds[i] for i in keep]
        draft.schema = schema_text(name, paths, now, header, draft.clusters, draft.names, draft.kinds)
        engine = LocalEngine(parse_schema(draft.schema, f"{name}.yaml"))
    else:
        raise AssertionError(f"infer: no stable draft in {MAX_ROUNDS} rounds")
    draft.checked = len(texts)
    draft.assign(taken)
    return draft, records


def _ours(draft: Draft, i: int) -> str:
    """The variant the matcher gave record i, as the engine names it."""
    return "*" if draft.variant_of[i] == "header" else draft.variant_of[i]

