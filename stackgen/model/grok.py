"""Stage 2: grok expressions for values, delimited field lists, templates and key lists.

Every pattern string a pipeline runs is built here, once, from the model, and carried by the
steps (`model/steps.py`): the Logstash renderer, the ingest-pipeline renderer and the local engine
all take the same strings. Patterns only use syntax Joni (Logstash and Elasticsearch) and the
`regex` package read alike, and never `.` (Logstash compiles it to match newlines, Elasticsearch
does not): multi-line values are matched with character classes, which span newlines in both.

Validation happens inside the pattern: a typed value is an alternation of the declared null
values, the typed form, and a catch-all captured under a separate `__bad` name. So a value that
cannot take its type never reaches a converter (whose leniency differs between engines), the
record still matches, and the `__bad` capture tells every engine to tag the document.
"""
from __future__ import annotations

from stackgen.model.nodes import FieldType, KeyList, Lit, Opt, Slot, Space, Template, Value
from stackgen.model.timefmt import caseless, parse_format

CAPTURE_PREFIX = "sg_"
REST = "sg__rest"
LINE = "sg__line"
CONTINUATION = "sg__cont"
MATCHED = "sg__matched"

_META = set("\\^$.|?*+()[]{}")

_IPV4_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = rf"(?:{_IPV4_OCTET}\.){{3}}{_IPV4_OCTET}"
_H = "[0-9A-Fa-f]{1,4}"
_IPV6 = (
    "(?:"
    rf"(?:{_H}:){{7}}(?:{_H}|:)"
    rf"|(?:{_H}:){{6}}(?::{_H}|%{{SG_IPV4}}|:)"
    rf"|(?:{_H}:){{5}}(?:(?::{_H}){{1,2}}|:%{{SG_IPV4}}|:)"
    rf"|(?:{_H}:){{4}}(?:(?::{_H}){{1,3}}|(?::{_H})?:%{{SG_IPV4}}|:)"
    rf"|(?:{_H}:){{3}}(?:(?::{_H}){{1,4}}|(?::{_H}){{0,2}}:%{{SG_IPV4}}|:)"
    rf"|(?:{_H}:){{2}}(?:(?::{_H}){{1,5}}|(?::{_H}){{0,3}}:%{{SG_IPV4}}|:)"
    rf"|{_H}:(?:(?::{_H}){{1,6}}|(?::{_H}){{0,4}}:%{{SG_IPV4}}|:)"
    rf"|:(?:(?::{_H}){{1,7}}|(?::{_H}){{0,5}}:%{{SG_IPV4}}|:)"
    ")"
)

# Typed forms. Bounded digit counts keep every accepted string inside the target type's range,
# so no engine's converter can fail or round differently on what the pattern lets through.
BUILTIN: dict[str, str] = {
    "SG_INTEGER": "[+-]?[0-9]{1,9}",
    "SG_LONG": "[+-]?[0-9]{1,18}",
    "SG_DECIMAL": "[+-]?[0-9]{1,15}(?:\\.[0-9]{1,15})?",
    "SG_IPV4": _IPV4,
    "SG_IPV6": _IPV6,
    "SG_IP": "(?:%{SG_IPV6}|%{SG_IPV4})",
    "SG_HOSTNAME": "[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?)*",
}
_TYPE_PATTERN = {
    FieldType.INTEGER: "SG_INTEGER",
    FieldType.LONG: "SG_LONG",
    FieldType.FLOAT: "SG_DECIMAL",
    FieldType.DOUBLE: "SG_DECIMAL",
    FieldType.IP: "SG_IP",
}


def escape(text: str) -> str:
    """A literal for a Joni/`regex` pattern."""
    return "".join("\\" + c if c in _META else c for c in text)


def capture(name: str) -> str:
    return CAPTURE_PREFIX + name


def bad(name: str) -> str:
    return CAPTURE_PREFIX + name + "__bad"


def ip_capture(name: str) -> str:
    return CAPTURE_PREFIX + name + "__ip"


def host_capture(name: str) -> str:
    return CAPTURE_PREFIX + name + "__host"


def pattern_name(value: Value, suffix: str) -> str:
    return f"SG_{suffix}_{value.name.upper()}"


def value_captures(value: Value) -> list[str]:
    """Every temporary field the expression of a value may fill."""
    out = [capture(value.name)]
    if value.type.is_checked:
        out.append(bad(value.name))
    if value.ip_target:
        out.append(ip_capture(value.name))
    if value.host_target:
        out.append(host_capture(value.name))
    return out


_CLASS_ESCAPES = {"\\": "\\\\", "]": "\\]", "[": "\\[", "^": "\\^", "-": "\\-", "\n": "\\n",
                  "\t": "\\t", "\r": "\\r"}


def _char_class(chars: set[str], negate: bool = True) -> str:
    body = "".join(_CLASS_ESCAPES.get(c, c) for c in sorted(chars))
    return f"[{'^' if negate else ''}{body}]"


def field_class(separator: str) -> str:
    """The raw text of one delimited field: anything that cannot contain the separator."""
    core = separator.strip()
    if len(core) == 1:
        return _char_class({core}) + "+"
    return f"(?:(?!{escape(separator)})[\\s\\S])+"


class Expressions:
    """Builds value expressions, collecting the pattern definitions they refer to."""

    def __init__(self, values: dict[str, Value], patterns: tuple[tuple[str, str], ...]):
        self.values = values
        self.defs: dict[str, str] = dict(BUILTIN)
        self.defs.update(patterns)

    def definitions_for(self, pattern: str) -> tuple[tuple[str, str], ...]:
        """Only the definitions one pattern needs, in name order."""
        return tuple((name, self.defs[name]) for name in sorted(_closure(self.defs, references(pattern))))

    def define(self, name: str, regex: str) -> str:
        self.defs[name] = regex
        return name

    # -- one value ------------------------------------------------------------------------

    def value(self, value: Value, catch_all: str, dates_caught: bool = True, optional: bool = True) -> str:
        """Null values | the typed form | a catch-all (typed values: captured as __bad).

        Delimited fields may be empty (`optional`); template slots must match (`{?...}` is optional).
        """
        alts = [escape(n) for n in value.null_values]
        name = capture(value.name)
        if value.split:
            alts.append(self._list(value, catch_all))
        elif value.ip_target or value.host_target:
            # an address, else a host name, else any text (only the value's own target gets it):
            # when what follows does not fit, the engines backtrack into the next alternative
            host = f"%{{SG_HOSTNAME:{host_capture(value.name)}}}" if value.host_target else "%{SG_HOSTNAME}"
            ip = f"%{{SG_IP:{ip_capture(value.name)}}}" if value.ip_target else "%{SG_IP}"
            alts.append(f"(?<{name}>(?:{ip}|{host}|{catch_all}))")
        elif value.type is FieldType.DATE:
            regex = "|".join(f"(?:{parse_format(f).regex})" for f in value.date_formats)
            alts.append(f"%{{{self.define(pattern_name(value, 'DATE'), regex)}:{name}}}")
        elif value.type is FieldType.BOOLEAN:
            tokens = sorted(set(value.true_values) | set(value.false_values), key=lambda t: (-len(t), t))
            regex = "(?:" + "|".join(escape(t) for t in tokens) + ")"
            alts.append(f"%{{{self.define(pattern_name(value, 'BOOL'), regex)}:{name}}}")
        elif value.type in _TYPE_PATTERN:
            alts.append(f"%{{{_TYPE_PATTERN[value.type]}:{name}}}")
        if value.pattern:
            alts.append(f"%{{{value.pattern}:{name}}}")
        elif value.type.is_checked and not (value.type is FieldType.DATE and not dates_caught):
            alts.append(f"(?<{bad(value.name)}>{catch_all})")
        elif not value.type.is_checked and not (value.split or value.ip_target or value.host_target):
            alts.append(f"(?<{name}>{catch_all})")
        return "(?:" + "|".join(alts) + (")?" if optional else ")")

    def _list(self, value: Value, catch_all: str) -> str:
        sep = escape(value.split)
        element = _element_class(value.split, catch_all)
        first = element
        if value.first:
            first = self.value(self.values[value.first], element, optional=False)
        return f"(?<{capture(value.name)}>{first}(?:{sep}{element})*)"

    # -- delimited layouts ----------------------------------------------------------------

    def fields(self, separator: str, names: tuple[str, ...], marker: str | None = None) -> str:
        """The values after the head, each preceded by the separator; `marker` captures them all."""
        inner = self._after_each(separator, [self.value(self.values[n], field_class(separator)) for n in names])
        if marker:
            inner = f"(?<{marker}>{inner})"
        return "\\A" + inner + "\\z"

    def head(self, separator: str, names: tuple[str, ...]) -> str:
        """The head values, then the rest of the record (the variant's text) when there is one."""
        exprs = [self.value(self.values[n], field_class(separator)) for n in names]
        sep_core = escape(separator.rstrip())
        return "\\A" + exprs[0] + self._after_each(separator, exprs[1:]) + f"(?<{REST}>{sep_core}[\\s\\S]*)?\\z"

    @staticmethod
    def _after_each(separator: str, exprs: list[str]) -> str:
        """Each expression preceded by the separator; the last separator may have lost its trailing
        blank (shippers trim trailing white space), the value after it then being absent."""
        sep_core = escape(separator.rstrip())
        trail = separator[len(separator.rstrip()):]
        parts = [escape(separator) + expr for expr in exprs[:-1]]
        if exprs:
            last = exprs[-1]
            parts.append(f"{sep_core}(?:{escape(trail)}{last})?" if trail else escape(separator) + last)
        return "".join(parts)

    # -- templates ------------------------------------------------------------------------

    def template(self, template: Template, marker: str | None = None) -> str:
        """A whole text as the template says; `marker` captures the whole match (non-empty)."""
        inner = self._items(template.items, frozenset({_END}))
        if marker:
            inner = f"(?<{marker}>{inner})"
        return "\\A" + inner + "[ \\t]*\\z"  # trailing blanks are accepted (writers pad, shippers trim)

    def _items(self, items: tuple, follow: frozenset) -> str:
        out = []
        for i, item in enumerate(items):
            after = _first_chars(items[i + 1:], follow)
            if isinstance(item, Slot) and self.values[item.name].type is FieldType.TEXT:
                after = _first_chars(tuple(x for x in items[i + 1:] if not isinstance(x, Space)), follow)
            if isinstance(item, Lit):
                out.append(escape(item.text))
            elif isinstance(item, Space):
                out.append("[ \\t]+")
            elif isinstance(item, Opt):
                out.append("(?:" + self._items(item.items, after) + ")?")
            else:
                before = items[i - 1] if i else None
                nxt = items[i + 1] if i + 1 < len(items) else None
                quoted = isinstance(before, Lit) and before.text.endswith('"') and \
                    isinstance(nxt, Lit) and nxt.text.startswith('"')
                # a quoted slot may be empty ("" is an absent value); any other slot must match
                out.append(self.value(self.values[item.name], self._slot_class(item, after, quoted),
                                      dates_caught=False, optional=quoted))
        return "".join(out)

    def _slot_class(self, slot: Slot, follow: frozenset, quoted: bool) -> str:
        """Keyword slots are one word up to what follows; text slots run to the next literal."""
        if quoted and self.values[slot.name].split:
            # a list's elements stop at the separator, which a whole run would swallow
            return '(?:[^"\\\\]|\\\\[\\s\\S])+'
        if quoted:
            # runs of plain characters taken whole (atomic: a run never ends before a quote, so
            # nothing is lost), escapes one by one: far less backtracking state than per character
            return '(?:(?>[^"\\\\]+)|\\\\[\\s\\S])+'
        if follow == {_END}:
            return "[\\s\\S]+"
        stops = {c for c in follow if c != _END}
        if self.values[slot.name].type is not FieldType.TEXT:
            stops |= {" ", "\t", "\n", "\r"}
        return _char_class(stops) + "+"

    # -- key lists ------------------------------------------------------------------------

    def keys(self, keys: KeyList) -> str:
        """One lookahead per key from the start of the text: every key found, in any order."""
        parts = ["\\A"]
        for key, name in keys.keys:
            value = self.values[name]
            if keys.style == "parens":
                # anywhere, at any depth; one level of parentheses inside a value: (x86)
                catch = "(?:[^()]|\\([^()]*\\))+"
                found = (f"[\\s\\S]*?\\({caseless(escape(key))}{escape(keys.value_separator)}"
                         f"{self.value(value, catch)}\\)")
            else:
                # a key starts the text or follows a pair separator; its value runs to the next one
                psep = escape(keys.pair_separator)
                catch = f"(?:(?!{psep})[\\s\\S])+"
                found = (f"(?:\\A|[\\s\\S]*?{psep}){escape(key)}{escape(keys.value_separator)}"
                         f"{self.value(value, catch)}(?={psep}|\\z)")
            parts.append(f"(?=(?:{found})?)")
        return "".join(parts)


_END = "\x00END"


def _element_class(separator: str, catch_all: str) -> str:
    """A list element: the slot's text without the list separator's first character."""
    if catch_all.startswith("[^") and catch_all.endswith("]+"):
        return catch_all[:-2] + _CLASS_ESCAPES.get(separator[0], separator[0]) + "]+"
    return f"(?:(?!{escape(separator)}){catch_all[:-1] if catch_all.endswith('+') else catch_all})+"


def _first_chars(items: tuple, follow: frozenset) -> frozenset:
    """The characters that can start what these items match, then `follow` if all may be empty."""
    out: set[str] = set()
    for item in items:
        if isinstance(item, Lit):
            out.add(item.text[0])
            return frozenset(out)
        if isinstance(item, Space):
            out |= {" ", "\t"}
            return frozenset(out)
        if isinstance(item, Opt):
            out |= _first_chars(item.items, frozenset()) - {_END}
            continue
        return frozenset(out | {_END})  # a slot: anything; treat as the end of what we can know
    return frozenset(out | follow)


def references(regex: str) -> list[str]:
    """Names of the patterns a grok expression refers to with %{NAME} or %{NAME:field}."""
    out = []
    i = regex.find("%{")
    while i >= 0:
        end = regex.find("}", i)
        if end < 0:
            break
        out.append(regex[i + 2:end].split(":", 1)[0])
        i = regex.find("%{", end)
    return out


def _closure(every: dict[str, str], roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in every:
            continue
        seen.add(name)
        todo.extend(references(every[name]))
    return seen
