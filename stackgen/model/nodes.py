"""Stage 2: the model. Frozen dataclasses, resolved references, no I/O, no target knowledge."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from stackgen.model.detections import Detection
from stackgen.model.timefmt import parse_format


class FieldType(str, enum.Enum):
    """Types a value can take; each maps to one Elasticsearch field type."""

    KEYWORD = "keyword"
    TEXT = "text"
    INTEGER = "integer"
    LONG = "long"
    FLOAT = "float"
    DOUBLE = "double"
    BOOLEAN = "boolean"
    IP = "ip"
    DATE = "date"

    @property
    def is_numeric(self) -> bool:
        return self in (FieldType.INTEGER, FieldType.LONG, FieldType.FLOAT, FieldType.DOUBLE)

    @property
    def is_checked(self) -> bool:
        """True when a raw value can fail to take this type (and then tags the document)."""
        return self not in (FieldType.KEYWORD, FieldType.TEXT)


# Tags a document gets when part of it could not be parsed. The document is still indexed and
# keeps its original text in `event.original`.
TAG_GROK = "_grokparsefailure"
TAG_DATE = "_dateparsefailure"
TAG_VALUE = "_valueparsefailure"
TAG_TRUNCATED = "_truncated"  # the shipper cut the record (multiline max_lines, max bytes)
FAILURE_TAGS = (TAG_GROK, TAG_DATE, TAG_VALUE, TAG_TRUNCATED)
ORIGINAL_FIELD = "event.original"
# Keyword values longer than this are kept in _source but not indexed (Elasticsearch's ignore_above).
KEYWORD_IGNORE_ABOVE = 1024
MAX_RECORD_BYTES = 10 * 1024 * 1024  # Filebeat's message_max_bytes: longer records are cut and flagged


@dataclass(frozen=True)
class Value:
    """One named value of a record: how it is recognised, typed and where it lands."""

    name: str
    type: FieldType
    target: str | None  # None: parsed only (its keys or list element land elsewhere)
    null_values: tuple[str, ...] = ()
    pattern: str | None = None  # name of a schema pattern restricting the raw text
    date_formats: tuple[str, ...] = ()  # tried in order
    timezone: str | None = None
    true_values: tuple[str, ...] = ("true",)
    false_values: tuple[str, ...] = ("false",)
    labels: tuple[tuple[str, str], ...] = ()
    label_target: str | None = None
    description: str = ""
    split: str | None = None  # a list: the raw text split on this separator into an array
    first: str | None = None  # a list: the value its first element also gives
    ip_target: str | None = None  # also here when the raw text is an IP address
    host_target: str | None = None  # also here when it is not
    also: tuple[str, ...] = ()  # more document fields that get the same text
    keys: KeyList | None = None  # KEY=value pairs inside the text, each to a value
    ignore_above: int = KEYWORD_IGNORE_ABOVE  # keyword values longer than this are not indexed

    @property
    def failure_tag(self) -> str:
        return TAG_DATE if self.type is FieldType.DATE else TAG_VALUE


@dataclass(frozen=True)
class KeyList:
    """`KEY=value` pairs (or nested `(KEY=value)` lists) inside a value, each key to a value."""

    style: str  # pairs | parens
    keys: tuple[tuple[str, str], ...]  # KEY -> value name
    pair_separator: str = " "
    value_separator: str = "="


# Template items: a pattern layout parsed once by the schema reader.
@dataclass(frozen=True)
class Lit:
    """Literal text."""

    text: str


@dataclass(frozen=True)
class Space:
    """A run of blanks (spaces or tabs) in a template written as one or more spaces."""


@dataclass(frozen=True)
class Slot:
    """A value's place in a template."""

    name: str


@dataclass(frozen=True)
class Opt:
    """Items that may be absent as a whole."""

    items: tuple


@dataclass(frozen=True)
class Template:
    """A record (or part of one) as literal text with named value slots."""

    source: str
    items: tuple

    def slots(self) -> list[str]:
        out: list[str] = []

        def walk(items) -> None:
            for item in items:
                if isinstance(item, Slot):
                    out.append(item.name)
                elif isinstance(item, Opt):
                    walk(item.items)

        walk(self.items)
        return out


@dataclass(frozen=True)
class Variant:
    """One shape of the record's body: values after the head (delimited) or a template.

    Selected by the discriminator (`key`), or by being the first to match in schema order, among
    those whose `when` conditions (head value -> accepted texts) hold.
    """

    key: str
    fields: tuple[str, ...] = ()
    template: Template | None = None
    when: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def values(self) -> list[str]:
        return self.template.slots() if self.template else list(self.fields)

    @property
    def empty(self) -> bool:
        """Nothing after the head: the record ends there."""
        return self.template is None and not self.fields


@dataclass(frozen=True)
class Multiline:
    """A record starts on a line matching `start`; other lines continue the previous record."""

    start: str
    max_lines: int = 500


@dataclass(frozen=True)
class Metric:
    """What a panel measures: `count`, or an operation over a numeric/keyword field."""

    op: str  # count | sum | avg | min | max | unique_count
    field: str | None = None


@dataclass(frozen=True)
class Bucket:
    """How a panel splits: top values of a field, or a date histogram on the time field."""

    field: str
    size: int = 10  # terms only
    interval: str | None = None  # date histogram: 1h, 1d, 1w, ...

    @property
    def is_time(self) -> bool:
        return self.interval is not None


@dataclass(frozen=True)
class Panel:
    """One dashboard panel, declared once, rendered to Lens and checkable as an aggregation."""

    id: str
    title: str
    chart: str  # pie | bar | line | metric | table
    metric: Metric
    buckets: tuple[Bucket, ...] = ()
    filter: tuple[tuple[str, tuple[str, ...]], ...] = ()  # field -> any of values; fields ANDed


@dataclass(frozen=True)
class SavedSearch:
    """A Discover search: a filter and the columns shown."""

    id: str
    title: str
    columns: tuple[str, ...]
    filter: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Dashboard:
    """Panels and saved searches shown together."""

    id: str
    title: str
    description: str
    panels: tuple[Panel, ...]
    searches: tuple[SavedSearch, ...] = ()


@dataclass(frozen=True)
class LogModel:
    """A validated log family: framing, layout, values and their document fields."""

    name: str
    title: str
    index: str
    paths: tuple[str, ...]
    encoding: str
    multiline: Multiline | None
    separator: str | None  # delimited layouts; None for pattern layouts
    head: tuple[str, ...]  # delimited: the values every record starts with
    discriminator: str | None
    timestamp: str
    variants: tuple[Variant, ...]
    default_fields: tuple[str, ...] | None  # None: other bodies are kept as they are, untagged
    values: tuple[Value, ...]
    patterns: tuple[tuple[str, str], ...] = ()
    keep_original: str = "on_failure"  # or "always"
    volatile_fields: tuple[str, ...] = ()
    dashboards: tuple[Dashboard, ...] = ()
    head_templates: tuple[Template, ...] = ()  # pattern layouts: alternatives, first match wins
    body: str | None = None  # pattern layouts: the value the variants parse
    select: str = "discriminator"  # discriminator | first_match
    continuation: Template | None = None  # lines after the first, parsed as their own template
    now: str | None = None  # verify's reference time for year-less timestamps
    detections: tuple[Detection, ...] = ()

    @property
    def time_field(self) -> str:
        """The document field holding the record's time."""
        return self.value(self.timestamp).target or "@timestamp"

    def value(self, name: str) -> Value:
        for value in self.values:
            if value.name == name:
                return value
        raise KeyError(name)

    @property
    def variant_keys(self) -> tuple[str, ...]:
        return tuple(v.key for v in self.variants)

    @property
    def pipeline_id(self) -> str:
        return f"stackgen-{self.name}"

    @property
    def template_name(self) -> str:
        return f"stackgen-{self.name}"

    @property
    def index_pattern(self) -> str:
        return f"{self.index}-*"

    def keyword_limits(self) -> dict[str, int]:
        """The ignore_above of every keyword document field (longer values are not searchable)."""
        out = {path: KEYWORD_IGNORE_ABOVE for path, kind in self.document_fields().items()
               if kind is FieldType.KEYWORD and path != ORIGINAL_FIELD}
        for value in self.values:
            for path in (value.target, *value.also):
                if path in out:
                    out[path] = max(out[path], value.ignore_above)
        return out

    def document_fields(self) -> dict[str, FieldType]:
        """Every document field stackgen writes, with its type, sorted by path."""
        out = {"tags": FieldType.KEYWORD, ORIGINAL_FIELD: FieldType.KEYWORD}
        for value in self.values:
            if value.target:
                out[value.target] = value.type
            if value.label_target:
                out[value.label_target] = FieldType.KEYWORD
            if value.ip_target:
                out[value.ip_target] = FieldType.IP
            if value.host_target:
                out[value.host_target] = FieldType.KEYWORD
            for extra in value.also:
                out[extra] = value.type
        return dict(sorted(out.items()))

    @property
    def delimited(self) -> bool:
        return self.separator is not None

    @property
    def first_match(self) -> bool:
        """Variants tried in order (the document does not say which matched), not by discriminator."""
        return self.select == "first_match" or not self.delimited

    @property
    def needs_now(self) -> bool:
        """A year-less date format: the reference time is part of parsing."""
        return any(not parse_format(f).has_year for v in self.values for f in v.date_formats)

    def variant(self, key: str) -> Variant:
        for variant in self.variants:
            if variant.key == key:
                return variant
        raise KeyError(key)
