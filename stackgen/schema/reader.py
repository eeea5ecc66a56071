"""Stage 1b: typed reads over positioned YAML nodes, collecting problems instead of raising."""
from __future__ import annotations

import difflib
import re

from stackgen.errors import Diagnostic
from stackgen.resources import logstash_unquotable
from stackgen.schema.yamlnodes import Node


class Reader:
    """Reads scalars, lists and mappings out of nodes; every problem becomes a Diagnostic."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Diagnostic] = []

    def error(self, node: Node, code: str, path: str, message: str) -> None:
        self.problems.append(Diagnostic(self.file, node.line, node.col, code, path, message))

    def mapping(self, node: Node, path: str, keys: dict[str, bool]) -> dict[str, Node] | None:
        """The entries of a mapping whose allowed keys are `keys` (True = required)."""
        if node.kind != "map":
            self.error(node, "SG003", path, f"expected a mapping, found {node.type_name}")
            return None
        out: dict[str, Node] = {}
        for key, value in node.items:
            sub = f"{path}.{key.text}" if path else key.text
            if key.text not in keys:
                close = difflib.get_close_matches(key.text, list(keys), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(sorted(keys))}"
                self.error(key, "SG002", sub, f"unknown key '{key.text}'{hint}")
                continue
            out[key.text] = value
        for key, required in keys.items():
            if required and key not in out:
                self.error(node, "SG004", path, f"missing required key '{key}'")
        return out

    def string(self, node: Node, path: str, *, regex: str | None = None, what: str = "",
               code: str = "SG012", allow_empty: bool = False) -> str | None:
        """A scalar as written. Numbers and booleans are taken as their text (YAML `1` is "1")."""
        if node.kind != "scalar" or node.value is None:
            self.error(node, "SG003", path, f"expected a string, found {node.type_name}")
            return None
        text = node.text if not isinstance(node.value, str) else node.value
        if not text and not allow_empty:
            self.error(node, "SG003", path, "expected a non-empty string")
            return None
        if regex and not re.fullmatch(regex, text):
            self.error(node, code, path, f"'{text}' is not a valid {what or 'name'} (expected {regex})")
            return None
        return text

    def quotable(self, text: str, node: Node, path: str) -> None:
        """Texts that land in Logstash conditions or values must be writable as its strings."""
        problem = logstash_unquotable(text)
        if problem:
            self.error(node, "SG003", path, problem)

    def integer(self, node: Node, path: str, minimum: int = 0) -> int | None:
        if node.kind != "scalar" or isinstance(node.value, bool) or not isinstance(node.value, int):
            self.error(node, "SG003", path, f"expected an integer, found {node.type_name}")
            return None
        if node.value < minimum:
            self.error(node, "SG003", path, f"expected an integer >= {minimum}, found {node.value}")
            return None
        return node.value

    def sequence(self, node: Node, path: str) -> list[Node] | None:
        if node.kind != "seq":
            self.error(node, "SG003", path, f"expected a list, found {node.type_name}")
            return None
        return node.children

    def strings(self, node: Node, path: str, **kwargs) -> list[tuple[str, Node]] | None:
        """A list of strings, each with its node (for later positioned checks)."""
        items = self.sequence(node, path)
        if items is None:
            return None
        out = []
        for i, item in enumerate(items):
            text = self.string(item, f"{path}[{i}]", **kwargs)
            if text is not None:
                out.append((text, item))
        return out
