"""Stage 3: the Logstash pipeline (beats in, Elasticsearch out).

The filter prints the model's step list (`model/lowering.py`), step for step the same as the
ingest pipeline and with the same grok strings: a switch as one `if / else if / else` chain,
conditionals for the step conditions, `grok`,
`mutate` (rename, replace, convert, split, tags), `date` with an explicit timezone, and for
year-less timestamps a `ruby` filter running the same java.time program as the ingest script.
Credentials and hosts are `${VAR}` references resolved by Logstash from its environment or
keystore, never literals.
"""
from __future__ import annotations

import re

from stackgen.model import steps as S
from stackgen.model.lowering import RAW, lower
from stackgen.model.nodes import LogModel, ORIGINAL_FIELD
from stackgen.model.timefmt import parse_format
from stackgen.resources import logstash_field, logstash_string, render_template
from stackgen.targets.base import Artifact

NAME = "logstash"
_CONVERT = {"long": "integer", "double": "float"}

# The year-less date program: the ingest script's rules, in JRuby over java.time. Only double
# quotes inside: Logstash strings have no escapes, and the code is a single-quoted string.
_RUBY_DATE = """
text = event.get("{source}")
zone = java.time.ZoneId.of("{timezone}")
now = java.time.ZonedDateTime.now(java.time.ZoneOffset::UTC)
found = nil
{formats}.each_with_index do |fmt, f|
  yearless = {yearless}[f]
  (yearless ? 8 : 1).times do |i|
    next if found
    b = java.time.format.DateTimeFormatterBuilder.new.parseCaseInsensitive.appendPattern(fmt)
    b.parseDefaulting(java.time.temporal.ChronoField::YEAR, now.getYear - i) if yearless
    begin
      t = b.toFormatter(java.util.Locale::ROOT).withResolverStyle(java.time.format.ResolverStyle::STRICT).parse(text)
      local = java.time.LocalDateTime.from(t)
      offset = java.time.temporal.ChronoField::OFFSET_SECONDS
      z = t.isSupported(offset) ? local.atOffset(java.time.ZoneOffset.ofTotalSeconds(t.get(offset))).toZonedDateTime : java.time.ZonedDateTime.of(local, zone)
      found = z.toInstant unless yearless && z.toInstant.isAfter(now.toInstant.plusSeconds(86400))
    rescue java.time.DateTimeException
    end
  end
end
if found
  event.set("{target}", LogStash::Timestamp.at(found.getEpochSecond, found.getNano / 1000.0))
else
  event.tag("{fail_tag}")
end
""".strip()


def condition(cond) -> str:
    """A step condition as a Logstash conditional expression."""
    if isinstance(cond, S.Exists):
        return logstash_field(cond.field)
    if isinstance(cond, S.Equals):
        # `in [...]` with a single element is a substring test in Logstash: use == for one value.
        if len(cond.values) == 1:
            return f"{logstash_field(cond.field)} == {logstash_string(cond.values[0])}"
        return f"{logstash_field(cond.field)} in [" + ", ".join(logstash_string(v) for v in cond.values) + "]"
    if isinstance(cond, S.Not):
        return f"!({condition(cond.cond)})"
    if isinstance(cond, (S.All, S.AnyOf)):
        joiner = " and " if isinstance(cond, S.All) else " or "
        return joiner.join(f"({condition(c)})" for c in cond.conds)
    if isinstance(cond, S.Tagged):
        return " or ".join(f"{logstash_string(t)} in [tags]" for t in cond.tags)
    if isinstance(cond, S.Flagged):
        return f"{logstash_string(cond.flag)} in [log][flags]"
    raise AssertionError(f"unknown condition {cond!r}")


def _regex_string(pattern: str) -> str:
    """A pattern as a Logstash string: a pattern holding both quotes spells `"` as `\\x22`, and one
    ending in an escaped backslash spells it `\\x5c` (Logstash's grammar reads `\\"` as a quote)."""
    if '"' in pattern and "'" in pattern:
        pattern = pattern.replace('"', "\\x22")
    if pattern.endswith("\\\\"):
        pattern = pattern[:-2] + "\\x5c"
    return logstash_string(pattern)


class _Printer:
    def __init__(self, model: LogModel):
        self.model = model
        self.lines: list[str] = []
        self.count = 0

    def id(self, tag: str) -> str:
        self.count += 1
        slug = re.sub(r"[^A-Za-z0-9_]+", "_", tag).strip("_")
        return logstash_string(f"stackgen_{self.model.name}_{self.count}_{slug}")

    def emit(self, step, body: list[str]) -> None:
        when = getattr(step, "when", None)
        if when is None:
            self.lines += body
            return
        self.lines.append(f"if {condition(when)} {{")
        self.lines += ["  " + line for line in body]
        self.lines.append("}")

    def block(self, steps) -> list[str]:
        """The lines of some steps, indented one level (the body of a conditional)."""
        saved, self.lines = self.lines, []
        for step in steps:
            self.step(step)
        body, self.lines = ["  " + line for line in self.lines], saved
        return body

    def switch(self, step: S.Switch) -> list[str]:
        """One conditional chain: the case holding the field's text, else the default."""
        out: list[str] = []
        for i, case in enumerate(step.cases):
            test = condition(S.Equals(step.field, case.values))
            out += [f"{'if' if i == 0 else '} else if'} {test} {{", *self.block(case.steps)]
        default = self.block(step.default)
        if out and default:
            out += ["} else {", *default]
        return [*out, "}"] if out else [line[2:] for line in default]

    def step(self, step) -> None:
        if isinstance(step, S.Switch):
            self.emit(step, self.switch(step))
        elif isinstance(step, S.Grok):
            self.emit(step, self.grok(step))
        elif isinstance(step, S.Set):
            value = "true" if step.value is True else "false" if step.value is False else str(step.value)
            body = [self.mutate(step, f"replace => {{ {self.f(step.field)} => {logstash_string(value)} }}")]
            if isinstance(step.value, bool):
                body.append(self.mutate(step, f"convert => {{ {self.f(step.field)} => \"boolean\" }}"))
            self.emit(step, body)
        elif isinstance(step, S.Move):
            self.emit(step, [self.mutate(step, f"rename => {{ {self.f(step.source)} => {self.f(step.target)} }}")])
        elif isinstance(step, S.Copy):
            self.lines.append(self.mutate(step, f"copy => {{ {self.f(step.source)} => {self.f(step.target)} }}"))
        elif isinstance(step, S.Convert):
            self.lines += [f"if {logstash_field(step.source)} {{", "  mutate {", f"    id => {self.id(step.tag)}",
                           f"    rename => {{ {self.f(step.source)} => {self.f(step.target)} }}",
                           f"    convert => {{ {self.f(step.target)} => \"{_CONVERT[step.type]}\" }}", "  }", "}"]
        elif isinstance(step, S.Split):
            self.lines.append(self.mutate(step, f"split => {{ {self.f(step.field)} => {logstash_string(step.separator)} }}"))
        elif isinstance(step, S.Date):
            self.lines += [f"if {logstash_field(step.source)} {{"] + ["  " + x for x in self.date(step)] + ["}"]
        elif isinstance(step, S.Tag):
            self.emit(step, [self.mutate(step, f"add_tag => [{logstash_string(step.name)}]")])
        elif isinstance(step, S.KeepOriginal):
            keep = self.mutate(step, f"rename => {{ \"{RAW}\" => {self.f(ORIGINAL_FIELD)} }}")
            if step.keep_when is None:
                self.lines.append(keep)
            else:
                self.lines += [f"if {condition(step.keep_when)} {{", "  " + keep, "}"]
            self.lines.append(self.mutate(step, f"remove_field => [\"{RAW}\"]"))
        elif isinstance(step, S.Remove):
            self.lines.append(self.mutate(step, "remove_field => [" + ", ".join(logstash_string(f) for f in step.fields) + "]"))
        else:
            raise AssertionError(f"no printer for {type(step).__name__}")

    def mutate(self, step, option: str) -> str:
        """One mutate filter with its own id (Logstash's monitoring and logs name filters by it)."""
        return f"mutate {{ id => {self.id(step.tag)} {option} }}"

    @staticmethod
    def f(field: str) -> str:
        return logstash_string(logstash_field(field))

    def grok(self, step: S.Grok) -> list[str]:
        patterns = ", ".join(_regex_string(p) for p in step.patterns)
        out = ["grok {", f"  id => {self.id(step.tag)}",
               f"  match => {{ {logstash_string(step.field)} => [{patterns}] }}", "  pattern_definitions => {"]
        out += [f"    {logstash_string(name)} => {_regex_string(regex)}" for name, regex in step.definitions]
        out += ["  }", '  ecs_compatibility => "disabled"',
                f"  tag_on_failure => [{logstash_string(step.fail_tag)}]" if step.fail_tag else "  tag_on_failure => []",
                "}"]
        return out

    def date(self, step: S.Date) -> list[str]:
        formats = [parse_format(f) for f in step.formats]
        if all(f.has_year for f in formats):
            match = ", ".join(logstash_string(x) for x in [step.source, *(f.joda for f in formats)])
            return ["date {", f"  id => {self.id(step.tag)}", f"  match => [{match}]",
                    f"  timezone => {logstash_string(step.timezone)}", '  locale => "en"',
                    f"  target => {self.f(step.target)}", f"  tag_on_failure => [{logstash_string(step.fail_tag)}]", "}"]
        code = _RUBY_DATE.format(source=step.source, timezone=step.timezone, target=logstash_field(step.target),
                                 fail_tag=step.fail_tag, formats="[" + ", ".join(_ruby_string(f.java) for f in formats) + "]",
                                 yearless="[" + ", ".join("false" if f.has_year else "true" for f in formats) + "]")
        return ["ruby {", f"  id => {self.id(step.tag)}", "  code => '", *("    " + x for x in code.splitlines()), "  '", "}"]


def _ruby_string(text: str) -> str:
    """A Ruby double-quoted literal that holds no single quote (the code sits in '...')."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("#", "\\#").replace("'", "\\x27")
    return f'"{escaped}"'


def filter_lines(model: LogModel) -> list[str]:
    printer = _Printer(model)
    for step in lower(model).steps:
        printer.step(step)
    return printer.lines


def render(model: LogModel) -> list[Artifact]:
    text = render_template("logstash/pipeline.conf.j2", model=model, filter_lines=filter_lines(model))
    replay = render_template("logstash/dead-letters.conf.j2", model=model)
    return [Artifact(f"logstash/pipeline/{model.name}.conf", text),
            Artifact(f"logstash/dead-letters/{model.name}.conf", replay)]
