"""The hand-written ingest pipelines the generated ones are measured against.

`competent`: what an experienced Elastic engineer writes today for each shipped family: an
anchored grok for the head built from Elasticsearch's own pattern library (IPORHOST, HTTPDATE,
SYSLOGTIMESTAMP, ...), one conditional grok per message type, a `date` processor and `convert`
processors, fields named straight into ECS by the grok. It does less than the generated pipeline
(no value checks, no failure tags per kind, no original text, no labels), so it is a strong
baseline. EZCast's 92 actions are written out from the schema, one conditional grok per action.

`seed`: every full-line pattern tried in turn, the style of the hand-made EZCast configurations
stackgen replaces (layouts with a discriminator only).
"""
from __future__ import annotations

from stackgen.model.timefmt import parse_format

ON_FAILURE = [{"append": {"field": "tags", "value": ["_grokparsefailure"]}}]


def _pipeline(*processors) -> dict:
    return {"processors": list(processors), "on_failure": ON_FAILURE}


def _grok(field: str, *patterns: str, when: str | None = None, optional: bool = False) -> dict:
    body = {"field": field, "patterns": list(patterns)}
    if when:
        body["if"] = when
    if optional:
        body["ignore_failure"] = True
    return {"grok": body}


def _date(field: str, *formats: str, timezone: str = "UTC") -> dict:
    return {"date": {"field": field, "formats": list(formats), "timezone": timezone, "locale": "en",
                     "ignore_failure": True}}


def _convert(field: str, kind: str) -> dict:
    return {"convert": {"field": field, "type": kind, "ignore_missing": True, "ignore_failure": True}}


_ACCESS = ('"(?:%{WORD:http.request.method} %{NOTSPACE:url.original}(?: HTTP/%{NUMBER:http.version})?|'
           '%{DATA:http.request.line})" %{NUMBER:http.response.status_code} (?:%{NUMBER:http.response.body.bytes}|-)'
           '(?: %{QS:http.request.referrer} %{QS:user_agent.original})?$')
_SYSLOG_HEAD = ("^(?:%{SYSLOGTIMESTAMP:syslog.timestamp}|%{TIMESTAMP_ISO8601:syslog.timestamp}) "
                "%{SYSLOGHOST:host.hostname} %{DATA:process.name}(?:\\[%{POSINT:process.pid}\\])?:"
                "(?: %{GREEDYDATA:syslog.message})?$")
_SYSLOG_DATE = _date("syslog.timestamp", "MMM  d HH:mm:ss", "MMM dd HH:mm:ss", "ISO8601")

COMPETENT = {
    "apache-access": _pipeline(
        _grok("message", "^%{IPORHOST:source.address} %{HTTPDUSER:apache.access.ident} %{USER:user.name} "
                         "\\[%{HTTPDATE:apache.access.time}\\] " + _ACCESS),
        _date("apache.access.time", "dd/MMM/yyyy:HH:mm:ss Z"),
        _convert("http.response.status_code", "long"), _convert("http.response.body.bytes", "long")),
    "nginx-access": _pipeline(
        _grok("message", "^(?:\"%{DATA:nginx.access.forwarded_for}\" |%{DATA:nginx.access.forwarded_for} )?"
                         "%{IPORHOST:source.address} - %{USER:user.name} \\[%{HTTPDATE:nginx.access.time}\\] " + _ACCESS),
        _date("nginx.access.time", "dd/MMM/yyyy:HH:mm:ss Z"),
        _convert("http.response.status_code", "long"), _convert("http.response.body.bytes", "long")),
    "syslog": _pipeline(_grok("message", _SYSLOG_HEAD), _SYSLOG_DATE, _convert("process.pid", "long")),
    "linux-auth": _pipeline(
        _grok("message", _SYSLOG_HEAD),
        _grok("syslog.message",
              "^%{WORD:event.action} %{WORD:ssh.method} for (?:invalid user )?(?:%{USERNAME:user.name} )?from "
              "%{IP:source.ip} port %{INT:source.port} ssh2(?:: %{GREEDYDATA:ssh.signature})?$",
              "^%{WORD:event.action} user %{USERNAME:user.name} from %{IP:source.ip}(?: port %{INT:source.port})?$",
              "^Did not receive identification string from %{IP:source.ip}(?: port %{INT:source.port})?$",
              when="ctx.process?.name == 'sshd'", optional=True),
        _grok("syslog.message", "^\\s*%{USERNAME:user.name} : (?:%{DATA:sudo.error} ; )?%{GREEDYDATA:sudo.details}$",
              when="ctx.process?.name == 'sudo'", optional=True),
        _grok("syslog.message", "^new user: %{GREEDYDATA:useradd.details}$", when="ctx.process?.name == 'useradd'",
              optional=True),
        _grok("syslog.message", "^new group: %{GREEDYDATA:groupadd.details}$",
              when="ctx.process?.name == 'groupadd' || ctx.process?.name == 'useradd'", optional=True),
        _SYSLOG_DATE, _convert("process.pid", "long"), _convert("source.port", "long")),
    "oracle-listener": _pipeline(
        _grok("message", "^(?<oracle.time>%{MONTHDAY}-%{WORD}-%{YEAR} %{TIME}) \\* "
                         "(?:(?<oracle.connect_data>\\(CONNECT_DATA=.*?\\)) \\* )?"
                         "(?:(?<oracle.protocol_info>\\(ADDRESS=.*?\\)) \\* )?"
                         "%{NOTSPACE:event.action}(?: \\* %{NOTSPACE:service.name})?(?: \\* %{INT:oracle.return_code})?$",
              "^(?<oracle.time>%{MONTHDAY}-%{WORD}-%{YEAR} %{TIME}) \\* %{INT:error.code}$",
              "^%{GREEDYDATA:oracle.banner}$"),
        _grok("oracle.connect_data", "\\(PROGRAM=%{DATA:process.name}\\)\\(HOST=%{DATA:host.name}\\)"
                                     "\\(USER=%{DATA:user.name}\\)", optional=True,
              when="ctx.oracle?.connect_data != null"),
        _grok("oracle.protocol_info", "\\(HOST=%{IP:source.ip}\\)\\(PORT=%{INT:source.port}\\)", optional=True,
              when="ctx.oracle?.protocol_info != null"),
        {"uppercase": {"field": "oracle.time", "ignore_missing": True}},
        _date("oracle.time", "dd-MMM-yyyy HH:mm:ss"),
        _convert("oracle.return_code", "long"), _convert("source.port", "long")),
}


def competent(family: str, model) -> dict:
    """The hand-written pipeline of a family (its sample directory's name); EZCast's is written out
    from its schema."""
    if family in COMPETENT:
        return COMPETENT[family]
    if not (model.delimited and model.discriminator):
        raise SystemExit(f"no hand-written baseline for {family}")
    sep = _regex(model.separator)
    head = [f"%{{DATA:{name}}}" for name in model.head]
    processors = [_grok("message", f"^{sep.join(head)}(?:{sep}%{{GREEDYDATA:rest}})?$")]
    numeric = set()
    for variant in model.variants:
        if not variant.fields:
            continue
        fields = [f"%{{DATA:{name}}}" for name in variant.fields[:-1]] + [f"%{{GREEDYDATA:{variant.fields[-1]}}}"]
        processors.append(_grok("rest", "^" + sep.join(fields) + "$", when=f"ctx.{model.discriminator} == "
                                f"'{variant.key}'", optional=True))
        numeric |= {name for name in variant.fields if model.value(name).type.is_numeric}
    timestamp = model.value(model.timestamp)
    processors.append(_date(model.timestamp, *(parse_format(f).java for f in timestamp.date_formats),
                            timezone=timestamp.timezone))
    processors += [_convert(name, "long") for name in sorted(numeric)]
    return _pipeline(*processors)


def seed(model) -> dict | None:
    """One full-line grok per variant with .*-style optional groups, every pattern tried in turn."""
    if not (model.delimited and model.discriminator):
        return None
    sep = _regex(model.separator)
    head = sep.join(f"%{{DATA:{name}}}" for name in model.head if name != model.discriminator)
    patterns, numeric = [], set()
    for variant in model.variants:
        parts = [f"^{head}{sep}{variant.key}"]
        for i, name in enumerate(variant.fields):
            parts.append(f"(?:{sep}%{{{'GREEDYDATA' if i == len(variant.fields) - 1 else 'DATA'}:{name}}})?")
            numeric |= {name} if model.value(name).type.is_numeric else set()
        patterns.append("".join(parts) + "$")
    timestamp = model.value(model.timestamp)
    return _pipeline({"grok": {"field": "message", "patterns": patterns}},
                     _date(model.timestamp, *(parse_format(f).java for f in timestamp.date_formats),
                           timezone=timestamp.timezone),
                     *(_convert(name, "long") for name in sorted(numeric)))


def _regex(text: str) -> str:
    return "".join("\\" + c if c in "\\^$.|?*+()[]{}" else c for c in text)
