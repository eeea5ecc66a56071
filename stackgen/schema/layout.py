"""Stage 1c: a schema's record layout, variants and templates, checked and cross-referenced.

Two layouts: *delimited* (`separator`, `head`, optional `discriminator`) and *pattern* (`pattern`
or `patterns`: templates with `{value}` slots, `{?optional parts}`, blanks matching any run of
blanks, `{{`/`}}` for braces, `%{NAME}` for a schema pattern). Variants are value lists after
the head (delimited) or templates over the `body` value; they are selected by the discriminator
or by the first that matches (`select: first_match`, or `field_count` for lists of distinct
lengths), among those whose `when` conditions on head values hold.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from stackgen.model.nodes import FieldType, Lit, Opt, Slot, Space, Template, Variant
from stackgen.schema.reader import Reader
from stackgen.schema.yamlnodes import Node

LAYOUT = {"separator": False, "head": False, "discriminator": False, "pattern": False, "patterns": False,
          "body": False, "select": False, "continuation": False}
VARIANT = {"when": False, "pattern": False, "fields": False, "description": False}
SELECT = ("discriminator", "first_match", "field_count")
MAX_VARIANTS = 1000  # each is a processor (or a pattern) every record may pass
_REF = re.compile(r"%\{([A-Z][A-Z0-9_]*)\}")


class TemplateError(ValueError):
    """A template that cannot be read; the message says where."""


def parse_template(text: str) -> Template:
    """Read a template into items, or raise TemplateError."""
    items, end = _parse(text, 0, nested=False)
    if not items:
        raise TemplateError("a template needs at least one slot or literal")
    return Template(text, tuple(items))


def _parse(text: str, i: int, nested: bool) -> tuple[list, int]:
    items: list = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            items.append(Lit("".join(literal)))
            literal.clear()

    while i < len(text):
        char = text[i]
        if text.startswith("{{", i) or (text.startswith("}}", i) and not nested):
            literal.append(char)  # inside {?...} a '}' always closes (so '}}' closes two parts)
            i += 2
        elif char == "}":
            if not nested:
                raise TemplateError(f"unmatched '}}' at character {i + 1} (write '}}}}' for a literal brace)")
            flush()
            return items, i + 1
        elif text.startswith("{?", i):
            flush()
            inner, i = _parse(text, i + 2, nested=True)
            if not inner:
                raise TemplateError("an optional part '{?...}' is empty")
            items.append(Opt(tuple(inner)))
        elif char == "{":
            end = text.find("}", i)
            name = text[i + 1:end] if end > 0 else ""
            if not re.fullmatch(r"[a-z](?:[a-z0-9]|_(?!_))*", name):
                raise TemplateError(f"bad slot at character {i + 1}: expected {{value_name}}, {{?...}} or '{{{{'")
            flush()
            items.append(Slot(name))
            i = end + 1
        elif char in " \t":
            flush()
            while i < len(text) and text[i] in " \t":
                i += 1
            items.append(Space())
        else:
            literal.append(char)
            i += 1
    if nested:
        raise TemplateError("an optional part '{?...' is not closed")
    flush()
    return items, i


def check_template(template: Template) -> str | None:
    """A problem with slot placement, or None: slots need literal text or blanks between them."""
    def walk(items, prev_slot: bool) -> bool:
        for item in items:
            if isinstance(item, Slot):
                if prev_slot:
                    return True
                prev_slot = True
            elif isinstance(item, Opt):
                if walk(item.items, prev_slot):
                    return True
                prev_slot = False
            else:
                prev_slot = False
        return False

    if walk(template.items, False):
        return "two slots follow each other without literal text between them: the split would be ambiguous"
    names = template.slots()
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        return f"{', '.join(twice)} appears twice in this template"
    return None


@dataclass
class Layout:
    """What the layout section says, before cross-references."""

    separator: str | None = None
    head: tuple[str, ...] = ()
    discriminator: str | None = None
    templates: tuple[Template, ...] = ()
    body: str | None = None
    select: str = "discriminator"
    continuation: Template | None = None
    nodes: dict[str, Node] = field(default_factory=dict)


class LayoutReader:
    """Reads `layout`, `variants` and `default_variant`, and checks them against the values."""

    def __init__(self, reader: Reader):
        self.r = reader

    def template(self, node: Node, path: str) -> Template | None:
        text = self.r.string(node, path)
        if text is None:
            return None
        try:
            template = parse_template(text)
        except TemplateError as exc:
            self.r.error(node, "SG023", path, f"bad template: {exc}")
            return None
        problem = check_template(template)
        if problem:
            self.r.error(node, "SG023", path, f"bad template: {problem}")
            return None
        return template

    def layout(self, node: Node | None) -> Layout | None:
        if node is None:
            return None
        lay = self.r.mapping(node, "layout", LAYOUT)
        if lay is None:
            return None
        out = Layout(nodes=lay)
        delimited = "separator" in lay or "head" in lay
        patterned = "pattern" in lay or "patterns" in lay
        if delimited == patterned:
            self.r.error(node, "SG017", "layout", "a layout is either delimited (separator + head) or a pattern "
                                                  "(pattern or patterns), not both or neither")
            return None
        if delimited:
            for key in ("separator", "head"):
                if key not in lay:
                    self.r.error(node, "SG004", "layout", f"missing required key '{key}'")
            for key in ("body",):
                if key in lay:
                    self.r.error(lay[key], "SG017", f"layout.{key}", "'body' belongs to pattern layouts")
            out.separator = self.r.string(lay["separator"], "layout.separator") if "separator" in lay else None
            if out.separator is not None and out.separator.strip() == "":
                self.r.error(lay["separator"], "SG003", "layout.separator", "the separator needs a visible character")
            head = self.r.strings(lay["head"], "layout.head") if "head" in lay else None
            if head == []:
                self.r.error(lay["head"], "SG003", "layout.head", "expected at least one value name")
            out.head = tuple(h for h, _ in head or ())
            if out.separator is None or not out.head:
                return None
        else:
            if "pattern" in lay and "patterns" in lay:
                self.r.error(lay["patterns"], "SG017", "layout.patterns", "give 'pattern' or 'patterns', not both")
            nodes = [lay["pattern"]] if "pattern" in lay else (self.r.sequence(lay["patterns"], "layout.patterns") or [])
            key = "pattern" if "pattern" in lay else "patterns"
            templates = [self.template(n, f"layout.{key}" + (f"[{i}]" if key == "patterns" else ""))
                         for i, n in enumerate(nodes)]
            if None in templates or not templates:
                return None
            out.templates = tuple(templates)
            if "discriminator" in lay:
                self.r.error(lay["discriminator"], "SG017", "layout.discriminator",
                             "pattern layouts select variants by first match (use 'when' conditions)")
            out.select = "first_match"
        if "discriminator" in lay and delimited:
            out.discriminator = self.r.string(lay["discriminator"], "layout.discriminator")
            if out.discriminator and out.discriminator not in out.head:
                self.r.error(lay["discriminator"], "SG017", "layout.discriminator",
                             f"the discriminator '{out.discriminator}' must be one of the head values")
        if "body" in lay:
            out.body = self.r.string(lay["body"], "layout.body")
        if "select" in lay:
            select = self.r.string(lay["select"], "layout.select", regex="|".join(SELECT),
                                   what=f"selection ({', '.join(SELECT)})", code="SG003")
            if select and not delimited and select != "first_match":
                self.r.error(lay["select"], "SG017", "layout.select", "pattern layouts select by first match")
            elif select == "discriminator" and out.discriminator is None:
                self.r.error(lay["select"], "SG017", "layout.select", "select: discriminator needs a discriminator")
            elif select:
                out.select = select
        if "continuation" in lay:
            out.continuation = self.template(lay["continuation"], "layout.continuation")
        return out

    def variants(self, top: dict[str, Node], layout: Layout | None) -> tuple[list[Variant], tuple[str, ...] | None]:
        """The variants in schema order and the default: value names, or None to keep the body."""
        variants: list[Variant] = []
        node = top.get("variants")
        if node is not None and node.kind != "map":
            self.r.error(node, "SG003", "variants", f"expected a mapping, found {node.type_name}")
            node = None
        if node is not None and len(node.items) > MAX_VARIANTS:
            self.r.error(node, "SG017", "variants", f"{len(node.items)} variants: at most {MAX_VARIANTS}")
            node = None
        patterned = layout is not None and layout.separator is None
        for key, spec in node.items if node is not None else ():
            path = f"variants.{key.text}"
            self.r.quotable(key.text, key, path)
            if layout is None:
                continue  # the layout's own problems are reported; its variants cannot be judged
            if spec.kind == "map":
                variants.append(self._variant(key.text, spec, path, patterned))
            elif patterned:
                self.r.error(spec, "SG017", path, "variants of a pattern layout are mappings with a 'pattern'")
            else:
                fields = self._names(spec, path)
                if fields is not None:
                    variants.append(Variant(key.text, fields))
        if layout is not None and node is not None and node.items:
            if patterned and layout.body is None:
                self.r.error(node, "SG004", "layout", "variants of a pattern layout need layout.body "
                                                      "(the value they parse)")
            if not patterned and layout.select == "discriminator" and layout.discriminator is None:
                self.r.error(node, "SG017", "variants", "variants need layout.discriminator or layout.select: "
                                                        "first_match to select them")
        return variants, self._default(top, layout)

    def _variant(self, key: str, spec: Node, path: str, patterned: bool) -> Variant:
        entries = self.r.mapping(spec, path, VARIANT) or {}
        template = None
        fields: tuple[str, ...] = ()
        if patterned:
            if "pattern" not in entries:
                self.r.error(spec, "SG004", path, "missing required key 'pattern'")
            else:
                template = self.template(entries["pattern"], f"{path}.pattern")
            if "fields" in entries:
                self.r.error(entries["fields"], "SG017", f"{path}.fields", "'fields' belongs to delimited layouts")
        else:
            if "pattern" in entries:
                self.r.error(entries["pattern"], "SG017", f"{path}.pattern", "'pattern' belongs to pattern layouts")
            if "fields" in entries:
                fields = self._names(entries["fields"], f"{path}.fields") or ()
        when: list[tuple[str, tuple[str, ...]]] = []
        if "when" in entries:
            cond = entries["when"]
            if cond.kind != "map":
                self.r.error(cond, "SG003", f"{path}.when", f"expected a mapping, found {cond.type_name}")
            else:
                for name_node, texts in cond.items:
                    found = [(self.r.string(texts, f"{path}.when.{name_node.text}"), texts)] if texts.kind == "scalar" \
                        else self.r.strings(texts, f"{path}.when.{name_node.text}") or []
                    for text, text_node in found:
                        if text is not None:
                            self.r.quotable(text, text_node, f"{path}.when.{name_node.text}")
                    when.append((name_node.text, tuple(t for t, _ in found if t is not None)))
        return Variant(key, fields, template, tuple(when))

    def _names(self, node: Node, path: str) -> tuple[str, ...] | None:
        if node.kind == "scalar" and node.value is None:
            return ()
        found = self.r.strings(node, path)
        return None if found is None else tuple(text for text, _ in found)

    def _default(self, top: dict[str, Node], layout: Layout | None) -> tuple[str, ...] | None:
        node = top.get("default_variant")
        first_match = layout is not None and layout.select != "discriminator"
        if node is None:
            return None if (layout is not None and layout.separator is None) else ()
        if node.kind == "scalar" and node.value in ("keep", "fail"):
            if node.value == "keep" and layout is not None and layout.separator is not None:
                self.r.error(node, "SG017", "default_variant", "'keep' needs a pattern layout (a body to keep)")
            return None if node.value == "keep" else ()
        names = self._names(node, "default_variant")
        if names and first_match:
            self.r.error(node, "SG017", "default_variant", "with first-match selection the default is keep or fail")
        return names or ()

    # -- cross-references -------------------------------------------------------------------

    def check(self, top: dict[str, Node], layout: Layout, variants: list[Variant], default, values: dict,
              declared: set[str]) -> set[str]:
        """Check every value reference; return the names the layout uses."""
        used: set[str] = set()

        def check_names(names, node: Node | None, path: str, base: tuple[str, ...] = ()) -> None:
            items = node.children if node is not None and node.kind == "seq" else []
            seen = set(base)
            for i, name in enumerate(names):
                where = items[i] if i < len(items) else node
                if name not in values and name in declared:
                    pass  # its own definition is already reported
                elif name not in values:
                    close = [n for n in values if n.startswith(name[:3])][:1]
                    hint = f"; did you mean '{close[0]}'?" if close else ""
                    self.r.error(where, "SG010", f"{path}[{i}]", f"undefined value '{name}'{hint}")
                elif name in seen:
                    self.r.error(where, "SG006", f"{path}[{i}]", f"'{name}' appears twice in this record layout")
                seen.add(name)
                used.add(name)

        lay = layout.nodes
        if layout.separator is not None:
            check_names(layout.head, lay.get("head"), "layout.head")
        head_names: set[str] = set(layout.head)
        for i, template in enumerate(layout.templates):
            node = lay.get("pattern") or (lay["patterns"].children[i] if "patterns" in lay else None)
            check_names(template.slots(), node, "layout.pattern")
            head_names |= set(template.slots())
            self._check_refs(template, node, "layout.pattern")
        variant_nodes = {k.text: v for k, v in top["variants"].items} if "variants" in top and \
            top["variants"].kind == "map" else {}
        for variant in variants:
            vnode = variant_nodes.get(variant.key)
            path = f"variants.{variant.key}"
            if variant.template:
                pnode = vnode.get("pattern") if vnode is not None else None
                check_names(variant.template.slots(), pnode, f"{path}.pattern", tuple(head_names))
                self._check_refs(variant.template, pnode, f"{path}.pattern")
            else:
                fnode = vnode.get("fields") if vnode is not None and vnode.kind == "map" else vnode
                check_names(variant.fields, fnode, path, layout.head)
            for name, _ in variant.when:
                if name not in head_names:
                    self.r.error(vnode, "SG010", f"{path}.when", f"'{name}' is not a head value")
        if layout.continuation:
            check_names(layout.continuation.slots(), lay.get("continuation"), "layout.continuation",
                        tuple(head_names))
        if default:
            check_names(default, top.get("default_variant"), "default_variant", layout.head)
        if layout.body is not None and layout.body not in head_names:
            self.r.error(lay["body"], "SG010", "layout.body", f"'{layout.body}' is not a slot of the head pattern")
        elif layout.body in values and values[layout.body][0].type not in (FieldType.KEYWORD, FieldType.TEXT):
            self.r.error(lay["body"], "SG017", "layout.body", "the body must be a keyword or text value")
        if layout.select == "field_count":
            counts = [len(v.fields) for v in variants]
            if len(set(counts)) != len(counts):
                self.r.error(lay.get("select"), "SG017", "layout.select",
                             "select: field_count needs variants of distinct lengths (use first_match)")
        disc = layout.discriminator
        if disc and disc in values and values[disc][0].type is not FieldType.KEYWORD:
            self.r.error(values[disc][1], "SG017", f"values.{disc}", "the discriminator must be a keyword")
        if layout.separator is not None:
            self._separator_safety(layout, values, used)
        return used

    def _check_refs(self, template: Template, node: Node | None, path: str) -> None:
        for item in template.items:
            if isinstance(item, Lit):
                for name in _REF.findall(item.text):
                    self.r.error(node, "SG009", path, f"'%{{{name}}}' in a template: use a value with "
                                                      f"pattern: {name} instead")

    def _separator_safety(self, layout: Layout, values: dict, used: set[str]) -> None:
        """A value whose declared form can hold the separator would silently break every record."""
        core = layout.separator.strip()[:1]
        for name in sorted(used & set(values)):
            value, node = values[name]
            forms = [*value.null_values, *value.date_formats, *(k for k, _ in value.labels)]
            if value.type is FieldType.BOOLEAN:
                forms += [*value.true_values, *value.false_values]
            if value.type is FieldType.IP and core in ":.":
                forms.append("an IP address")
            clash = next((f for f in forms if core in f), None)
            if clash is not None:
                self.r.error(node, "SG022", f"values.{name}",
                             f"'{name}' can contain the separator's '{core}' ({clash!r}) and would end the field "
                             f"there: use a pattern layout (layout.pattern) or another separator")
