"""Bad schemas: every problem listed with file:line:col, a stable code, exit 2, nothing written."""
from __future__ import annotations

import textwrap

import pytest

from stackgen.cli import main
from stackgen.errors import SchemaError
from stackgen.schema import parse_schema

GOOD = """\
schema_version: 1
name: demo
source:
  paths: [/var/log/demo.log]
layout:
  separator: ' | '
  head: [ts, kind]
  discriminator: kind
timestamp: ts
values:
  ts: {type: date, format: yyyy-MM-dd HH:mm:ss, timezone: UTC, target: '@timestamp'}
  kind: {}
  n: {type: long}
variants:
  count: [n]
"""


def bad(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


# (id, schema text, [(code, line, col), ...])  -- every expected problem, all reported at once
CASES = [
    ("yaml-syntax", GOOD.replace("  head: [ts, kind]", "  head: [ts, kind"), [("SG001", 8, 16)]),
    ("unknown-key", bad("name: demo", "name: demo\nnmae: x"), [("SG002", 3, 1)]),
    ("unknown-value-key", bad("  kind: {}", "  kind: {targte: a.b}"), [("SG002", 12, 10)]),
    ("wrong-type", bad("schema_version: 1", "schema_version: one"), [("SG003", 1, 17)]),
    # Logstash's grammar reads a backslash before the closing quote as an escaped quote
    ("split-ending-in-backslash", bad("  kind: {}", "  kind: {split: '\\'}"), [("SG003", 12, 17)]),
    ("missing-key", bad("timestamp: ts\n", ""), [("SG004", 1, 1)]),
    ("duplicate-key", bad("  kind: {}", "  kind: {}\n  kind: {}"), [("SG005", 13, 3)]),
    ("duplicate-field", bad("  count: [n]", "  count: [n, n]"), [("SG006", 15, 14)]),
    ("unknown-type", bad("n: {type: long}", "n: {type: int64}"), [("SG007", 13, 13)]),
    ("bad-format", bad("format: yyyy-MM-dd HH:mm:ss", "format: yyyy-MM-dd HH:mm:ss.SSSQ"), [("SG008", 11, 28)]),
    ("monthless-format", bad("format: yyyy-MM-dd HH:mm:ss", "format: yyyy-dd HH:mm:ss"), [("SG008", 11, 28)]),
    ("undefined-pattern", bad("  kind: {}", "  kind: {pattern: KIND}"), [("SG009", 12, 19)]),
    ("undefined-value", bad("  count: [n]", "  count: [m]"), [("SG010", 15, 11), ("SG016", 13, 3)]),
    ("bad-regex", bad("values:", "patterns:\n  KIND: '[a-z'\nvalues:"), [("SG011", 11, 9)]),
    ("dot-in-pattern", bad("values:", "patterns:\n  KIND: 'a.b'\nvalues:"), [("SG011", 11, 9)]),
    ("bad-name", bad("  n: {type: long}", "  N-1: {type: long}"), [("SG012", 13, 3), ("SG010", 15, 11)]),
    ("target-conflict", bad("  n: {type: long}", "  n: {type: long, target: kind}\n  m: {target: kind.x}"),
     [("SG016", 14, 3), ("SG013", 14, 15)]),
    ("reserved-target", bad("  kind: {}", "  kind: {target: event.original}"), [("SG015", 12, 18)]),
    ("unknown-timezone", bad("timezone: UTC", "timezone: Mars/Olympus"), [("SG014", 11, 59)]),
    ("unused-value", bad("  n: {type: long}", "  n: {type: long}\n  spare: {}"), [("SG016", 14, 3)]),
    ("discriminator-not-in-head", bad("discriminator: kind", "discriminator: other"), [("SG017", 8, 18)]),
    ("option-for-other-type", bad("n: {type: long}", "n: {type: long, timezone: UTC}"), [("SG018", 13, 29)]),
    ("multiline-lookahead", bad("  paths: [/var/log/demo.log]", "  paths: [/var/log/demo.log]\n  multiline: {start: '^(?=x)'}"),
     [("SG011", 5, 22)]),
    ("separator-in-a-value", bad("separator: ' | '", "separator: ': '"), [("SG022", 11, 3)]),
]

PATTERN = """\
schema_version: 2
name: demo
source:
  paths: [/var/log/demo.log]
layout:
  pattern: '{ts} {host} {program}{?[{pid}]}: {message}'
  body: message
variants:
  login:
    when: {program: sshd}
    pattern: 'Accepted {method} for {user}'
timestamp: ts
values:
  ts: {type: date, format: MMM d HH:mm:ss, timezone: UTC, target: '@timestamp'}
  host: {}
  program: {}
  pid: {type: long}
  message: {type: text, target: message}
  method: {}
  user: {target: user.name}
"""


def pbad(old: str, new: str) -> str:
    assert old in PATTERN, old
    return PATTERN.replace(old, new, 1)


CASES += [
    ("template-unclosed-optional", pbad("{?[{pid}]}", "{?[{pid}]"), [("SG023", 6, 12)]),
    ("template-adjacent-slots", pbad("{program}{?[{pid}]}", "{program}{pid}"), [("SG023", 6, 12)]),
    ("template-undefined-slot", pbad("for {user}'", "for {usr}'"), [("SG010", 11, 14), ("SG016", 20, 3)]),
    ("when-not-a-head-value", pbad("when: {program: sshd}", "when: {method: sshd}"), [("SG010", 10, 5)]),
    ("body-not-a-slot", pbad("  body: message", "  body: method"), [("SG010", 7, 9)]),
    ("pattern-and-separator", pbad("  body: message", "  body: message\n  separator: ' '"), [("SG017", 6, 3)]),
    ("keys-without-map", pbad("  method: {}", "  method: {keys: {style: parens}}"), [("SG004", 19, 18)]),
    ("keys-bad-style", pbad("  method: {}", "  method: {keys: {style: curly, map: {A: user}}}"), [("SG024", 19, 26)]),
    ("two-date-spellings", pbad("format: MMM d HH:mm:ss,", "format: MMM d HH:mm:ss, formats: [ISO8601],"),
     [("SG004", 14, 14)]),
]


@pytest.mark.parametrize("text,expected", [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_every_problem_is_reported_with_position_and_code(text, expected):
    with pytest.raises(SchemaError) as info:
        parse_schema(text, "demo.yaml")
    got = [(d.code, d.line, d.col) for d in info.value.diagnostics]
    assert sorted(got) == sorted(expected), info.value.format()
    for diagnostic in info.value.diagnostics:
        assert str(diagnostic).startswith(f"demo.yaml:{diagnostic.line}:{diagnostic.col}: {diagnostic.code}")


def test_the_good_schemas_are_good():
    model = parse_schema(GOOD, "demo.yaml")
    assert model.variant_keys == ("count",)
    model = parse_schema(PATTERN, "demo.yaml")
    assert model.variant_keys == ("login",) and model.body == "message"


def test_validate_warns_when_the_samples_beside_the_schema_never_fit(tmp_path, capsys):
    (tmp_path / "schema.yaml").write_text(PATTERN, encoding="utf-8")
    (tmp_path / "a.log").write_text("2024-01-01 00:00:00 | host | sshd | hello\n", encoding="utf-8")
    assert main(["validate", str(tmp_path / "schema.yaml")]) == 0
    err = capsys.readouterr().err
    assert "W001: none of its 1 records fits the layout" in err
    assert "W002 at variants.login: no sample record takes this variant" in err
    (tmp_path / "a.log").write_text("Feb 13 10:00:00 web01 sshd[12]: Accepted password for alice\n"
                                    "Feb 13 10:00:01 web01 cron[13]: something else\n", encoding="utf-8")
    assert main(["validate", str(tmp_path / "schema.yaml")]) == 0
    assert "warning" not in capsys.readouterr().err


def test_many_problems_are_listed_together_and_nothing_is_written(tmp_path, capsys):
    schema = tmp_path / "schema.yaml"
    schema.write_text(textwrap.dedent("""\
        schema_version: 1
        name: Demo
        source: {paths: []}
        layout: {separator: ' | ', head: [ts]}
        timestamp: ts
        values:
          ts: {type: timestamp}
        """), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["render", str(schema), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert f"{schema}:2:7: SG012 at name:" in err
    assert f"{schema}:3:17: SG003 at source.paths: expected at least one path" in err
    assert f"{schema}:7:14: SG007 at values.ts.type: unknown field type 'timestamp'" in err
    assert "3 problems in the schema" in err
    assert "SG010" not in err
    assert not out.exists()


def test_missing_file_is_a_usage_error(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "no such schema file" in capsys.readouterr().err
