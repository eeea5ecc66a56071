"""Stage 4i: the filebeat engine: real Filebeat reads the sample files and ships them.

The rendered `filebeat-elasticsearch.yml` is used as it is, with only these substitutions: the
input's `paths` name the sample files (copied into a work directory), the environment gives the
hosts and credentials, and Filebeat's home, data and log directories are the work directory's.
Two runtime settings change nothing in a document: the memory queue sends at once instead of
batching for 10 s, and, where the schema has year-less dates, an `add_fields` processor carries
the reference time (as the elasticsearch engine sends it with each record).

Filebeat runs twice over all the files of a verify run (`prefetch`):
- with the console output, to read its own framing: every record's text and offset, compared
  with stackgen's framing (`framing_problems`);
- with the rendered Elasticsearch output, into the embedded node through the rendered index
  template and ingest pipeline, installed first under their rendered names.
Documents are read back per file in offset order. What Filebeat adds (`agent`, `ecs`, `input`,
`log`, `host.name` unless the schema writes it, and `@timestamp` where the pipeline kept the read
time because no date parsed) is removed before comparison.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import selectors
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

from stackgen import realtools
from stackgen.engines.elasticsearch import Client
from stackgen.engines.framing import Record, frame
from stackgen.engines.local import reference_time
from stackgen.errors import EngineError, EnvironmentProblem, UsageError
from stackgen.model.lowering import lower
from stackgen.model.nodes import LogModel
from stackgen.model.steps import NOW_FIELD
from stackgen.model.timefmt import format_instant
from stackgen.targets import es_pipeline, es_template, filebeat

WAIT_SECONDS = 120  # at most this long without a new document before shipping is declared stuck
STALL_SECONDS = 15  # framing: Filebeat holds a multiline record back 5 s (its flush timeout)
SHIPPER_FIELDS = ("agent", "ecs", "input", "log")
RUNTIME = ["-E", "queue.mem.flush.timeout=0s"]
CONFIG = "filebeat/filebeat-elasticsearch.yml"


def ca_bundle() -> str:
    """Any PEM bundle: the rendered output names a CA file, and Filebeat loads it even over http."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile, "/etc/ssl/certs/ca-certificates.crt"):
        if candidate and Path(candidate).is_file():
            return candidate
    raise EnvironmentProblem("no CA bundle on this machine for Filebeat's TLS settings (install ca-certificates)")


class FilebeatEngine:
    """Documents from real Filebeat shipping the sample files through the rendered pipeline."""

    name = "filebeat"

    def __init__(self, model: LogModel, client: Client, url: str, now: str | None = None,
                 progress=lambda message: None):
        self.model, self.client, self.url, self.progress = model, client, url, progress
        self.binary = realtools.require("filebeat")
        self.now = format_instant(reference_time(model, now)) if lower(model).needs_now else None
        self.problems: list[str] = []
        self.work = Path(tempfile.mkdtemp(prefix="stackgen-filebeat-"))
        self.shipped: dict[str, list[dict]] = {}  # sample path -> documents
        self.framed: dict[str, list[dict]] = {}  # sample path -> Filebeat's own records
        self.copies: dict[str, Path] = {}  # sample path -> the copy Filebeat reads
        self.installed = False
        self.version = ""

    # -- the Engine interface -------------------------------------------------------------------
    def prefetch(self, samples: list[Path]) -> None:
        """Ship every sample file in one Filebeat run (and frame them in another)."""
        todo = [p for p in samples if str(p) not in self.shipped]
        if todo:
            self._ship(todo)

    def documents(self, records: list[Record]) -> list[dict]:
        if not records:
            return []
        sources = {r.source for r in records}
        if len(sources) != 1 or not Path(next(iter(sources))).is_file():
            raise UsageError("the filebeat engine replays sample files; use `stackgen verify --engine filebeat`")
        source = next(iter(sources))
        self.prefetch([Path(source)])
        self.problems = self.framing_problems(Path(source), records)
        return self.shipped[source]

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)

    # -- framing --------------------------------------------------------------------------------
    def framing_problems(self, sample: Path, records: list[Record]) -> list[str]:
        """Where Filebeat's framing of a sample differs from stackgen's (count, text, cut flag)."""
        theirs = self.framed[str(sample)]
        problems = []
        if len(theirs) != len(records):
            problems.append(f"framing: Filebeat read {len(theirs)} records, stackgen frames {len(records)}")
        for i, (event, record) in enumerate(zip(theirs, records)):
            flags = tuple(sorted(event.get("log", {}).get("flags", ())))
            if event.get("message") != record.text or flags != record.flags:
                problems.append(f"framing: record {i} (line {record.line}): Filebeat {event.get('message')!r} "
                                f"{list(flags)}, stackgen {record.text!r} {list(record.flags)}")
        return problems[:20]

    # -- running Filebeat -----------------------------------------------------------------------
    def _config(self, copies: list[Path], console: bool) -> Path:
        rendered = next(a.content for a in filebeat.render(self.model) if a.path == CONFIG)
        config = yaml.safe_load(rendered)
        config["filebeat.inputs"][0]["paths"] = [str(p) for p in copies]
        if self.now:
            config.setdefault("processors", []).append(
                {"add_fields": {"target": "", "fields": {NOW_FIELD: self.now}}})
        if console:
            for key in [k for k in config if k.startswith(("output.", "setup."))]:
                del config[key]
            config["output.console"] = {"codec.json": {"pretty": False}}
        path = self.work / ("console.yml" if console else "elasticsearch.yml")
        path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path

    def _command(self, config: Path, run: str) -> tuple[list[str], dict[str, str]]:
        home = self.work / run
        command = [str(self.binary), "-e", "--strict.perms=false", "-c", str(config), "--path.home", str(home),
                   "--path.data", str(home / "data"), "--path.logs", str(home / "logs"), *RUNTIME]
        env = {**os.environ, "ELASTICSEARCH_HOSTS": self.url, "ELASTICSEARCH_CA_CERT": ca_bundle(),
               "FILEBEAT_WRITER_USER": "stackgen-verify", "FILEBEAT_WRITER_PASSWORD": "unused-on-the-embedded-node"}
        return command, env

    def _ship(self, samples: list[Path]) -> None:
        run = f"run{len(self.copies)}"
        (self.work / run / "logs").mkdir(parents=True)
        copies = []
        for sample in samples:
            copy = self.work / run / "logs" / sample.name
            shutil.copyfile(sample, copy)
            self.copies[str(sample)] = copy
            copies.append(copy)
        records = {str(s): len(frame(self.model, s.read_bytes(), str(s))) for s in samples}
        total = sum(records.values())
        self.progress(f"Filebeat {self._version()}: framing {len(samples)} files ({total} records)")
        events = self._console(copies, total, run)
        by_copy = {str(c): s for s, c in zip(samples, copies)}
        for sample in samples:
            self.framed[str(sample)] = []
        for event in sorted(events, key=lambda e: (e["log"]["file"]["path"], e["log"]["offset"])):
            self.framed[str(by_copy[event["log"]["file"]["path"]])].append(event)
        self.progress(f"Filebeat: shipping them to {self.url} through pipeline {self.model.pipeline_id!r}")
        self._install()
        started = time.time()
        self._index(copies, len(events), run)  # lines in (as Filebeat frames them) = documents out
        ended = time.time()
        for sample, copy in zip(samples, copies):
            self.shipped[str(sample)] = self._read(copy, len(self.framed[str(sample)]), started, ended)

    def _version(self) -> str:
        if not self.version:
            result = subprocess.run([str(self.binary), "version"], capture_output=True, text=True)
            self.version = result.stdout.split(" version ")[-1].split(" ")[0] if result.returncode == 0 else "?"
        return self.version

    def _console(self, copies: list[Path], total: int, run: str) -> list[dict]:
        """Filebeat's own records, until it has sent `total` or sent nothing new for STALL_SECONDS."""
        command, env = self._command(self._config(copies, console=True), f"{run}-console")
        log = self.work / f"{run}-console.log"
        events: list[dict] = []
        with open(log, "wb") as stderr:
            process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=stderr)
            try:
                pending = b""
                with selectors.DefaultSelector() as selector:
                    selector.register(process.stdout, selectors.EVENT_READ)
                    while len(events) < total and selector.select(timeout=STALL_SECONDS):
                        chunk = os.read(process.stdout.fileno(), 1 << 16)
                        if not chunk:
                            break
                        *lines, pending = (pending + chunk).split(b"\n")
                        events += [json.loads(line) for line in lines if line.strip()]
            finally:
                self._stop(process)
        if not events and total:
            raise EngineError(f"Filebeat framed none of {total} records:\n{self._tail(log)}")
        return events

    def _index(self, copies: list[Path], total: int, run: str) -> None:
        command, env = self._command(self._config(copies, console=False), f"{run}-es")
        log = self.work / f"{run}-es.log"
        query = {"query": {"terms": {"log.file.path": [str(c) for c in copies]}}}
        with open(log, "wb") as output:
            process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
            try:
                count, last, changed = 0, -1, time.monotonic()
                while count < total:
                    if process.poll() is not None:
                        raise EngineError(f"Filebeat exited ({process.returncode}) after shipping {count} of "
                                          f"{total} records:\n{self._tail(log)}")
                    if time.monotonic() - changed > WAIT_SECONDS:
                        raise EngineError(f"Filebeat shipped {count} of {total} records and nothing more for "
                                          f"{WAIT_SECONDS} s:\n{self._tail(log)}")
                    time.sleep(0.2)
                    self.client.request("POST", f"/{self.model.index_pattern}/_refresh", allow=(404,))
                    answer = self.client.request("POST", f"/{self.model.index_pattern}/_count", query, allow=(404,))
                    count = answer.get("count", 0)
                    if count != last:
                        last, changed = count, time.monotonic()
            finally:
                self._stop(process)
        if count != total:
            raise EngineError(f"{total} records in, {count} documents indexed (lines in must equal documents out)")

    def _install(self) -> None:
        """The rendered template and pipeline, under their rendered names, before anything ships."""
        if not self.installed:
            self.client.request("PUT", f"/_index_template/{self.model.template_name}", es_template.body(self.model))
            for pipeline_id, body in es_pipeline.pipelines(self.model):
                self.client.request("PUT", f"/_ingest/pipeline/{pipeline_id}", body)
            self.installed = True

    def _read(self, copy: Path, count: int, started: float, ended: float) -> list[dict]:
        query = {"term": {"log.file.path": str(copy)}}
        answer = self.client.request("POST", f"/{self.model.index_pattern}/_search", {
            "size": count, "query": query, "sort": [{"log.offset": "asc"}]})
        documents = [shipped_document(self.model, hit["_source"], started, ended) for hit in answer["hits"]["hits"]]
        self.client.request("POST", f"/{self.model.index_pattern}/_delete_by_query?refresh=true",
                            {"query": query}, allow=(404,))
        return documents

    @staticmethod
    def _stop(process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    @staticmethod
    def _tail(log: Path) -> str:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        wanted = [line for line in lines if '"log.level":"error"' in line or '"log.level":"warn"' in line]
        return "\n".join((wanted or lines)[-15:])


def shipped_document(model: LogModel, source: dict, started: float, ended: float) -> dict:
    """A shipped document without what Filebeat adds: `agent`, `ecs`, `input`, `log`, `host.name`
    (unless the schema writes it), and `@timestamp` where it is the read time of a run between
    `started` and `ended` (epoch seconds): no date parsed, and the other engines leave none."""
    for field in SHIPPER_FIELDS:
        source.pop(field, None)
    host = source.get("host")
    if isinstance(host, dict) and "host.name" not in model.document_fields():
        host.pop("name", None)
        if not host:
            source.pop("host")
    stamp = source.get("@timestamp")
    if isinstance(stamp, str):
        try:
            seconds = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
        except ValueError:
            seconds = None
        if seconds is not None and started - 1 <= seconds <= ended + 1:
            source.pop("@timestamp")
    return source
