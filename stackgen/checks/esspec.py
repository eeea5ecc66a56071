"""Real-tool check: request bodies validated against the Elasticsearch 9 request specification.

The specification (`schema.json` of the npm package `@elastic/request-converter`, fetched by
`scripts/tools`) describes every endpoint and every request and body type. No validator ships
with it; this one walks its types: interfaces (inherited properties, required ones, aliases,
containers that hold exactly one variant, shortcut forms, additional properties), enums, aliases,
unions, arrays, dictionaries and literals. A request is matched to its endpoint by method and path;
its query parameters and body are checked. Index settings accept unknown keys (the specification
says so), so a misspelled setting is the one thing this cannot catch.
"""
from __future__ import annotations

import json
import re
from functools import cached_property
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

BUILTIN_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
    "binary": lambda v: True,
    "void": lambda v: v is None,
}
QUERY_SCALARS = {"boolean": ("true", "false"), "number": None}
MAX_REPORTED = 20


class Spec:
    """The specification, indexed by type name and by endpoint URL pattern."""

    def __init__(self, path: Path):
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        self.version = data.get("_info", {}).get("version", "?")
        self.types = {(t["name"]["namespace"], t["name"]["name"]): t for t in data["types"]}
        self.endpoints = []
        for endpoint in data["endpoints"]:
            for url in endpoint["urls"]:
                regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(url["path"]))
                self.endpoints.append((re.compile(regex + "$"), url["path"], tuple(url["methods"]), endpoint))

    @cached_property
    def common_query(self) -> dict:
        return {p["name"]: p for p in self.types[("_spec_utils", "CommonQueryParameters")]["properties"]}

    def endpoint(self, method: str, path: str):
        """The endpoint serving `method path`, preferring literal URL segments over {parameters}."""
        matches = [(pattern.count("{"), endpoint) for regex, pattern, methods, endpoint in self.endpoints
                   if method in methods and regex.match(path)]
        return min(matches, key=lambda m: m[0])[1] if matches else None

    # -- requests -----------------------------------------------------------------------------
    def check_request(self, method: str, url: str, body=None) -> list[str]:
        """Problems of one request (empty when the specification accepts it)."""
        parts = urlsplit(url)
        endpoint = self.endpoint(method, parts.path)
        if endpoint is None:
            return [f"{method} {parts.path}: no endpoint of the specification serves this"]
        request = self.types[(endpoint["request"]["namespace"], endpoint["request"]["name"])]
        where = f"{method} {parts.path} ({endpoint['name']})"
        problems = []
        known = {p["name"]: p for p in request.get("query", [])} | self.common_query
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key not in known:
                problems.append(f"{where}: unknown query parameter {key!r}")
            else:
                problems += [f"{where} ?{key}: {p}" for p in self._query_value(known[key]["type"], value)]
        problems += [f"{where} body{p}" for p in self._body(request, endpoint, body)]
        return problems

    def _body(self, request: dict, endpoint: dict, body) -> list[str]:
        kind = request["body"]["kind"]
        if kind == "no_body":
            return [": this endpoint takes no body"] if body not in (None, {}, "") else []
        if body is None:
            return []
        if isinstance(body, str):  # ndjson (bulk): one value of the array per line
            try:
                body = [json.loads(line) for line in body.splitlines() if line.strip()]
            except ValueError as exc:
                return [f": not ndjson ({exc})"]
        if endpoint["name"] == "bulk":
            return self._bulk(body)
        if kind == "value":
            return self.check(request["body"]["value"], body, "")
        return self._properties(request["body"]["properties"], body, "", extra=None)

    def _bulk(self, lines: list) -> list[str]:
        """Action lines are OperationContainers; index, create and update take the next line as source."""
        operation = {"kind": "instance_of", "type": {"namespace": "_global.bulk", "name": "OperationContainer"}}
        problems, i = [], 0
        while i < len(lines):
            problems += self.check(operation, lines[i], f"[line {i + 1}]")
            action = next(iter(lines[i]), None) if isinstance(lines[i], dict) else None
            i += 2 if action in ("index", "create", "update") else 1
        return problems[:MAX_REPORTED]

    def _query_value(self, type_ref: dict, text: str) -> list[str]:
        resolved = self._resolve(type_ref)
        if resolved and resolved[0] == "builtin" and resolved[1] in QUERY_SCALARS:
            allowed = QUERY_SCALARS[resolved[1]]
            ok = text in allowed if allowed else re.fullmatch(r"-?\d+(\.\d+)?", text) is not None
            return [] if ok else [f"{text!r} is not a {resolved[1]}"]
        return []

    def _resolve(self, type_ref: dict):
        """Follow instance_of aliases down to a builtin name, for query parameters."""
        while type_ref.get("kind") == "instance_of":
            ns, name = type_ref["type"]["namespace"], type_ref["type"]["name"]
            if ns == "_builtins":
                return ("builtin", name)
            target = self.types.get((ns, name))
            if not target or target["kind"] != "type_alias":
                return None
            type_ref = target["type"]
        return None

    # -- values -------------------------------------------------------------------------------
    def check(self, type_ref: dict, value, path: str) -> list[str]:
        kind = type_ref["kind"]
        if kind == "user_defined_value":
            return []
        if kind == "literal_value":
            return [] if value == type_ref["value"] else [f"{path}: {value!r} is not {type_ref['value']!r}"]
        if kind == "array_of":
            if not isinstance(value, list):
                return [f"{path}: expected an array, got {_kind(value)}"]
            return [p for i, item in enumerate(value) for p in self.check(type_ref["value"], item, f"{path}[{i}]")]
        if kind == "dictionary_of":
            if not isinstance(value, dict):
                return [f"{path}: expected an object, got {_kind(value)}"]
            if type_ref.get("singleKey") and len(value) != 1:
                return [f"{path}: expected exactly one key, got {len(value)}"]
            return [p for key, item in value.items() for p in self.check(type_ref["value"], item, f"{path}.{key}")]
        if kind == "union_of":
            return self._union(type_ref["items"], value, path)
        if kind == "instance_of":
            return self._instance(type_ref, value, path)
        return [f"{path}: unsupported type kind {kind!r}"]

    def _union(self, items: list, value, path: str) -> list[str]:
        tried = []
        for item in items:
            problems = self.check(item, value, path)
            if not problems:
                return []
            tried.append(problems)
        return min(tried, key=len) if tried else [f"{path}: matches no member of a union"]

    def _tagged(self, alias: dict, value, path: str) -> list[str]:
        """An internally tagged union (mapping properties by `type`, ...): the tag picks the member."""
        tag = alias["variants"]["tag"]
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {_kind(value)}"]
        members = {}
        for item in alias["type"]["items"]:
            target = self.types.get((item["type"]["namespace"], item["type"]["name"]), {})
            for prop in self._all_properties(target):
                if prop["name"] == tag and prop["type"]["kind"] == "literal_value":
                    members[prop["type"]["value"]] = item
        chosen = value.get(tag, alias["variants"].get("defaultTag"))
        if chosen not in members:
            return [f"{path}.{tag}: {chosen!r} is not one of {', '.join(sorted(map(str, members)))}"]
        return self.check(members[chosen], value, path)

    def _instance(self, type_ref: dict, value, path: str) -> list[str]:
        ns, name = type_ref["type"]["namespace"], type_ref["type"]["name"]
        if ns == "_builtins":
            check = BUILTIN_CHECKS.get(name)
            return [] if check is None or check(value) else [f"{path}: expected {name}, got {_kind(value)}"]
        target = self.types.get((ns, name))
        if target is None:  # a generic parameter (TDocument, ...): the caller's own data
            return []
        if target["kind"] == "type_alias":
            if target.get("variants", {}).get("kind") == "internal_tag" and target["type"]["kind"] == "union_of":
                return self._tagged(target, value, path)
            return self.check(target["type"], value, path)
        if target["kind"] == "enum":
            return self._enum(target, value, path)
        if target["kind"] == "interface":
            return self._interface(target, value, path)
        return []

    def _enum(self, enum: dict, value, path: str) -> list[str]:
        if enum.get("isOpen"):
            return []
        names = {n for m in enum["members"] for n in [m["name"], *m.get("aliases", [])]}
        if isinstance(value, bool):
            value = str(value).lower()
        return [] if value in names else [f"{path}: {value!r} is not one of {sorted(names)}"]

    def _all_properties(self, interface: dict) -> list[dict]:
        properties = list(interface.get("properties", []))
        parent = interface.get("inherits")
        while parent:
            base = self.types.get((parent["type"]["namespace"], parent["type"]["name"]))
            if base is None:
                break
            properties += base.get("properties", [])
            parent = base.get("inherits")
        return properties

    def _interface(self, interface: dict, value, path: str) -> list[str]:
        properties = self._all_properties(interface)
        if not isinstance(value, dict):
            shortcut = interface.get("shortcutProperty")
            for prop in properties:
                if prop["name"] == shortcut:
                    return self.check(prop["type"], value, path)
            return [f"{path}: expected an object ({interface['name']['name']}), got {_kind(value)}"]
        extra = None
        for behavior in interface.get("behaviors", []):
            if behavior["type"]["name"] in ("AdditionalProperties", "AdditionalProperty"):
                extra = behavior["generics"][1]
        problems = self._properties(properties, value, path, extra)
        if interface.get("variants", {}).get("kind") == "container":
            variants = {p["name"] for p in properties if not p.get("containerProperty")}
            fixed = {n for p in properties for n in [p["name"], *p.get("aliases", [])]}
            # an additional property (a field name: sort, term queries) is a variant of its own
            chosen = [key for key in value if key in variants or (extra is not None and key not in fixed)]
            if len(chosen) != 1:
                problems.append(f"{path}: a {interface['name']['name']} holds exactly one of its variants, "
                                f"got {chosen or 'none'}")
        return problems

    def _properties(self, properties: list[dict], value, path: str, extra) -> list[str]:
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {_kind(value)}"]
        by_name = {n: p for p in properties for n in [p["name"], *p.get("aliases", [])]}
        problems = []
        for key, item in value.items():
            prop = by_name.get(key)
            if prop is not None:
                problems += self.check(prop["type"], item, f"{path}.{key}")
            elif extra is not None:
                problems += self.check(extra, item, f"{path}.{key}")
            else:
                problems.append(f"{path}: unknown property {key!r}")
        for prop in properties:
            if prop.get("required") and not any(n in value for n in [prop["name"], *prop.get("aliases", [])]):
                problems.append(f"{path}: required property {prop['name']!r} is missing")
        return problems[:MAX_REPORTED]


def _kind(value) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")
