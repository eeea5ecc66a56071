"""Stage 1a: YAML text to a tree of positioned nodes.

PyYAML's composer keeps the position of every node; this module wraps its nodes so that the
validator can point at file:line:col for each problem, and reports duplicate mapping keys, which
PyYAML's own loader silently accepts.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from stackgen.errors import Diagnostic


@dataclass
class Node:
    """A YAML node: a mapping (`items`), a sequence (`children`) or a scalar (`value`, `text`)."""

    kind: str  # "map" | "seq" | "scalar"
    line: int
    col: int
    value: object = None  # the scalar as YAML resolves it (int, str, bool, None, ...)
    text: str = ""  # the scalar as written
    items: list[tuple[Node, Node]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)

    @property
    def type_name(self) -> str:
        if self.kind == "map":
            return "a mapping"
        if self.kind == "seq":
            return "a list"
        if self.value is None:
            return "null"
        return {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}.get(
            type(self.value), type(self.value).__name__
        )

    def get(self, key: str) -> Node | None:
        for k, v in self.items:
            if k.text == key:
                return v
        return None


_constructor = yaml.constructor.SafeConstructor()
MAX_NODES = 100_000  # an alias bomb of a few hundred bytes expands to millions of nodes
MAX_DEPTH = 64


class _TooLarge(Exception):
    def __init__(self, node: yaml.Node, message: str):
        super().__init__(message)
        self.node = node


def _position(mark, text: str) -> tuple[int, int]:
    """Line and column as editors count them: only \\n ends a line (PyYAML also counts U+2028, U+0085)."""
    start = text.rfind("\n", 0, mark.index) + 1
    return text.count("\n", 0, mark.index) + 1, mark.index - start + 1


def _wrap(node: yaml.Node, file: str, problems: list[Diagnostic], path: str, budget: list[int],
          depth: int = 0, text: str = "") -> Node:
    line, col = _position(node.start_mark, text)
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge(node, f"the schema expands to more than {MAX_NODES:,} YAML nodes (aliases of aliases?)")
    if depth > MAX_DEPTH:
        raise _TooLarge(node, f"the schema nests deeper than {MAX_DEPTH} levels")
    if isinstance(node, yaml.MappingNode):
        out = Node("map", line, col)
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = _wrap(key_node, file, problems, path, budget, depth + 1, text)
            sub = f"{path}.{key.text}" if path else key.text
            if key.kind != "scalar":
                problems.append(Diagnostic(file, key.line, key.col, "SG003", path, "mapping keys must be plain strings"))
                continue
            if key.text in seen:
                problems.append(
                    Diagnostic(file, key.line, key.col, "SG005", sub,
                               f"duplicate key '{key.text}' (first defined on line {seen[key.text]})")
                )
                continue
            seen[key.text] = key.line
            out.items.append((key, _wrap(value_node, file, problems, sub, budget, depth + 1, text)))
        return out
    if isinstance(node, yaml.SequenceNode):
        out = Node("seq", line, col)
        out.children = [_wrap(child, file, problems, f"{path}[{i}]", budget, depth + 1, text)
                        for i, child in enumerate(node.value)]
        return out
    try:
        value = _constructor.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError:
        problems.append(Diagnostic(file, line, col, "SG001", path, f"unsupported YAML tag '{node.tag}'"))
        value = str(node.value)  # read as plain text so nothing cascades from it
    except (ValueError, KeyError, AttributeError, OverflowError, TypeError) as exc:
        if node.tag != "tag:yaml.org,2002:timestamp":
            problems.append(Diagnostic(file, line, col, "SG001", path,
                                       f"{node.value!r} is not a valid {node.tag.rsplit(':', 1)[-1]}: {exc}"))
        value = str(node.value)  # a date-like text that is no date (2001-02-30) is just text
    return Node("scalar", line, col, value=value, text=str(node.value))


def load_nodes(text: str, file: str) -> tuple[Node | None, list[Diagnostic]]:
    """Parse YAML text into positioned nodes, returning syntax and duplicate-key problems."""
    problems: list[Diagnostic] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _position(mark, text) if mark else (1, 1)
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        return None, [Diagnostic(file, line, col, "SG001", "", f"YAML syntax error: {message}")]
    except yaml.YAMLError as exc:  # e.g. a bad character before any mark exists
        return None, [Diagnostic(file, 1, 1, "SG001", "", f"YAML syntax error: {exc}")]
    except RecursionError:
        return None, [Diagnostic(file, 1, 1, "SG001", "", "the schema nests too deeply to read")]
    if root is None:
        return None, [Diagnostic(file, 1, 1, "SG004", "", "the schema is empty")]
    try:
        return _wrap(root, file, problems, "", [MAX_NODES], 0, text), problems
    except _TooLarge as exc:
        line, col = _position(exc.node.start_mark, text)
        return None, [Diagnostic(file, line, col, "SG001", "", str(exc))]
