"""Stage 2: the steps a record goes through, as data.

The model is lowered once (`model/lowering.py`) into an ordered list of these steps. The local
engine interprets them; the ingest-pipeline and Logstash renderers print them. Every step carries
a `tag` naming the schema element it implements, so processor errors and coverage point at the
schema.

Fields: names without a dot are top-level temporary fields (`sg_*`, `message`); dotted names and
`@timestamp` are document fields. Conditions only read temporary fields, `tags` and the shipper's
`log.flags`.
"""
from __future__ import annotations

from dataclasses import dataclass


# -- conditions ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Exists:
    """The field is present (captured, not null)."""

    field: str


@dataclass(frozen=True)
class Equals:
    """The field's text is one of `values`."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Not:
    cond: object


@dataclass(frozen=True)
class All:
    conds: tuple


@dataclass(frozen=True)
class AnyOf:
    conds: tuple


@dataclass(frozen=True)
class Tagged:
    """The document carries at least one of these tags."""

    tags: tuple[str, ...]


@dataclass(frozen=True)
class Flagged:
    """The shipper flagged the record (`log.flags`, e.g. `truncated`)."""

    flag: str


def all_of(*conds) -> object | None:
    """The conjunction of the conditions that are not None (None when there are none)."""
    kept = tuple(c for c in conds if c is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else All(kept)


# -- steps --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grok:
    """Match `field` against `patterns` (first match wins); captures become temporary fields.

    When nothing matches, the document gets `fail_tag` (if any) and goes on.
    """

    tag: str
    field: str
    patterns: tuple[str, ...]
    definitions: tuple[tuple[str, str], ...]
    when: object | None = None
    fail_tag: str | None = None
    variants: tuple[str, ...] = ()  # first-match variants: the variant each pattern implements


@dataclass(frozen=True)
class Set:
    """Put a constant."""

    tag: str
    field: str
    value: object
    when: object | None = None


@dataclass(frozen=True)
class Move:
    """Move a temporary field to a document field (nothing when it is absent)."""

    tag: str
    source: str
    target: str
    when: object | None = None


@dataclass(frozen=True)
class Copy:
    """Copy a temporary field's text to a document field (nothing when it is absent)."""

    tag: str
    source: str
    target: str


@dataclass(frozen=True)
class Convert:
    """Text the pattern already validated to a number: `long` or `double`, moved to `target`."""

    tag: str
    source: str
    target: str
    type: str  # long | double


@dataclass(frozen=True)
class Split:
    """Split a field's text on a literal separator into an array."""

    tag: str
    field: str
    separator: str


@dataclass(frozen=True)
class Date:
    """Parse a field with the formats (in order), write the UTC instant to `target`, else tag."""

    tag: str
    source: str
    target: str
    formats: tuple[str, ...]
    timezone: str
    fail_tag: str


@dataclass(frozen=True)
class Tag:
    """Add a tag (once)."""

    tag: str
    name: str
    when: object | None = None


@dataclass(frozen=True)
class KeepOriginal:
    """Move the raw record to `event.original` (when tagged, or always); drop it otherwise."""

    tag: str
    keep_when: object | None  # None: always


@dataclass(frozen=True)
class Remove:
    """Remove fields (missing ones are fine)."""

    tag: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    """The steps of the records whose switch field holds one of `values`."""

    name: str  # a short stable name ([a-z0-9-]), unique in its switch
    values: tuple[str, ...]
    steps: tuple


@dataclass(frozen=True)
class Switch:
    """Run the steps of the one case whose values hold `field`'s text, else the `default` steps.

    A variant chosen by its discriminator: only that variant's grok and the placement of its values
    run, so a record costs what its own variant costs, whatever the number of variants. The cases'
    values are disjoint; a missing field takes the default.
    """

    tag: str
    field: str
    cases: tuple[Case, ...]
    default: tuple
    when: object | None = None


def walk(steps):
    """Every step, the steps inside switches included, in order."""
    for step in steps:
        yield step
        if isinstance(step, Switch):
            for case in step.cases:
                yield from walk(case.steps)
            yield from walk(step.default)


@dataclass(frozen=True)
class Plan:
    """The steps, and what the engines must add to each record before them."""

    steps: tuple
    needs_now: bool  # a year-less date reads the reference time from NOW_FIELD
    temporaries: tuple[str, ...]


NOW_FIELD = "sg__now"
CASE_FIELD = "sg__case"  # where a printed switch may keep the chosen case's name (removed at cleanup)
