"""Check: EQL queries against Elastic's EQL syntax reference (no EQL engine runs here: the embedded
Elasticsearch 7.10 node has no EQL module).

https://www.elastic.co/docs/reference/query-languages/eql/eql-syntax. Not a full EQL parser: the
forms stackgen writes and their close relatives, so that a malformed query fails here rather than
in a licensed Kibana: events (`<category> where <condition>`, `any`), sequences (`sequence [by
fields] [with maxspan=<time>] [event] [by fields] [with runs=<1..100>] ... [until [event]]`, at
least two events counting runs), conditions (`and`, `or`, `not`, parentheses, `true`/`false`),
comparisons of a field with a value (`==`, `!=`, `<`, `<=`, `>`, `>=`, `:`, `in`, `not in`, `in~`),
values (double-quoted strings with their escapes `\\n \\r \\t \\\\ \\" \\u{...}`, raw
(triple-quoted) strings, numbers, `true`, `false`, `null`), field names (dotted, or backticked
when they hold other characters). A single-quoted string and `=` for equality are the mistakes it
names.
"""
from __future__ import annotations

import re

_TOKEN = re.compile(r'\s+|(?P<raw>"""(?:(?!""").)*""")|(?P<str>"(?:[^"\\\n]|\\.)*")|(?P<bad>\'[^\']*\'?)'
                    r"|(?P<time>\d+(?:nanos|micros|ms|s|m|h|d)\b)|(?P<num>-?\d+(?:\.\d+)?)"
                    r"|(?P<field>`(?:[^`]|``)+`)|(?P<name>[A-Za-z_@][A-Za-z0-9_.@]*)"
                    r"|(?P<op>==|!=|<=|>=|[<>:=\[\](),~])", re.S)
_KEYWORDS = {"and", "or", "not", "in", "by", "with", "where", "sequence", "until", "true", "false", "null", "any"}
_ESCAPE = re.compile(r"\\(?:[nrt\\\"]|u\{[0-9A-Fa-f]{2,8}\})")


class _EqlError(Exception):
    pass


class _Eql:
    """A recursive-descent reader of the EQL stackgen writes: events and sequences of events."""

    def __init__(self, text: str):
        self.tokens, pos = [], 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise _EqlError(f"unexpected character {text[pos]!r} at {pos}")
            if m.lastgroup == "bad":
                raise _EqlError(f"single-quoted strings are not EQL (at {pos}); use double quotes")
            if m.lastgroup == "str" and _ESCAPE.sub("", m.group()[1:-1]).count("\\"):
                raise _EqlError(f"unknown escape in {m.group()} (EQL knows \\n \\r \\t \\\\ \\\" \\u{{...}})")
            if m.lastgroup:
                self.tokens.append((m.lastgroup, m.group()))
            pos = m.end()
        self.i = 0

    def peek(self, value: str | None = None) -> bool:
        return self.i < len(self.tokens) and (value is None or self.tokens[self.i][1] == value)

    def current(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.peek() else ("end", "the end")

    def take(self, kind: str | None = None, value: str | None = None) -> str:
        got_kind, got = self.current()
        if got_kind == "end" or (kind and got_kind != kind) or (value and got != value):
            raise _EqlError(f"expected {value or kind}, got {got!r}")
        self.i += 1
        return got

    def words(self, *values: str) -> None:
        for value in values:
            self.take(value=value)

    def optional(self, value: str) -> bool:
        if self.peek(value):
            self.i += 1
            return True
        return False

    def query(self) -> None:
        if self.optional("sequence"):
            if self.peek("by"):
                self.fields()
            if self.optional("with"):
                self.words("maxspan", "=")
                self.take("time")
            events = 0
            while self.peek("["):
                events += self.step()
            if events < 2:
                raise _EqlError(f"a sequence needs at least two events, got {events}")
            if self.optional("until"):
                self.step()
        else:
            self.event()
        if self.peek():
            raise _EqlError(f"unexpected {self.current()[1]!r} after the query")

    def step(self) -> int:
        self.take("op", "[")
        self.event()
        self.take("op", "]")
        if self.peek("by"):
            self.fields()
        runs = 1
        if self.optional("with"):
            self.words("runs", "=")
            runs = int(self.take("num"))
            if not 1 <= runs <= 100:
                raise _EqlError(f"runs={runs}: must be between 1 and 100")
        return runs

    def event(self) -> None:
        if self.current()[0] not in ("name", "str"):
            raise _EqlError(f"expected an event category or `any`, got {self.current()[1]!r}")
        self.i += 1
        self.take("name", "where")
        self.condition()

    def fields(self) -> None:
        self.take(value="by")
        self.field()
        while self.optional(","):
            self.field()

    def field(self) -> None:
        kind, value = self.current()
        if kind != "field" and (kind != "name" or value in _KEYWORDS):
            raise _EqlError(f"expected a field name, got {value!r}")
        self.i += 1

    def condition(self) -> None:
        self.conjunction()
        while self.optional("or"):
            self.conjunction()

    def conjunction(self) -> None:
        self.negation()
        while self.optional("and"):
            self.negation()

    def negation(self) -> None:
        if self.optional("not"):
            self.negation()
        elif self.optional("("):
            self.condition()
            self.take("op", ")")
        elif not (self.optional("true") or self.optional("false")):
            self.comparison()

    def comparison(self) -> None:
        self.field()
        if self.peek("="):
            raise _EqlError("`=` is not an EQL operator: use == or :")
        if self.optional("not") or self.peek("in"):
            self.take(value="in")
            self.optional("~")
            self.values()
        elif self.current()[1] in ("==", "!=", "<", "<=", ">", ">=", ":"):
            if self.take("op") == ":" and self.peek("("):
                self.values()
            else:
                self.value()
        else:
            raise _EqlError(f"expected a comparison after the field, got {self.current()[1]!r}")

    def values(self) -> None:
        self.take("op", "(")
        self.value()
        while self.optional(","):
            self.value()
        self.take("op", ")")

    def value(self) -> None:
        kind, value = self.current()
        if kind not in ("str", "raw", "num") and value not in ("true", "false", "null"):
            raise _EqlError(f"expected a value (a double-quoted string, a number, true, false, null), got {value!r}")
        self.i += 1


def eql_problems(query: str) -> list[str]:
    """Problems of an EQL query (events, sequences, conditions), by the EQL syntax reference."""
    try:
        _Eql(query).query()
    except _EqlError as exc:
        return [f"EQL: {exc}"]
    return []
