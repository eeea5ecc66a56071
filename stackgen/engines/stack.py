"""Stage 4h: the stack engine: samples replayed through the running compose stack.

Each sample file is copied into the log directory Filebeat watches (under a unique name that
matches the schema's path glob); Filebeat frames it, Logstash parses it, Elasticsearch indexes it.
The engine waits until every record is indexed (count), reads the documents back in file order
(`log.offset`), drops what the shippers add (`engines.filebeat.shipped_document`, and Logstash's
`@version`), and deletes what it indexed.
"""
from __future__ import annotations

import fnmatch
import posixpath
import time
import uuid
from pathlib import Path

from stackgen import stackdir
from stackgen.engines.elasticsearch import Client
from stackgen.engines.filebeat import shipped_document
from stackgen.engines.framing import Record
from stackgen.errors import EngineError, UsageError
from stackgen.model.nodes import LogModel
from stackgen.targets.compose import log_dir

WAIT_SECONDS = 180


class StackEngine:
    """Documents from a running shipping path: the compose stack's Filebeat -> Logstash ->
    Elasticsearch, or any Filebeat watching `host_dir` (mounted where the schema's paths point)."""

    name = "stack"

    def __init__(self, model: LogModel, client: Client, host_dir: Path):
        self.model, self.client, self.host_dir = model, client, Path(host_dir)
        self.problems: list[str] = []

    @classmethod
    def of_stack(cls, model: LogModel, directory: Path) -> "StackEngine":
        """The engine of the stack `stackgen up` runs from `directory`."""
        env = stackdir.read_env(stackdir.env_file(directory))
        if "STACKGEN_LOG_DIR" not in env:
            raise UsageError(f"{directory}: no stack there (run `stackgen up` first)")
        return cls(model, stackdir.client(directory), Path(env["STACKGEN_LOG_DIR"]))

    def documents(self, records: list[Record]) -> list[dict]:
        """Replays the sample file the records were framed from (Filebeat frames it again)."""
        sources = {r.source for r in records}
        if len(sources) != 1 or not Path(next(iter(sources))).is_file():
            raise UsageError("the stack engine replays sample files; use `stackgen verify --engine stack`")
        sample = Path(next(iter(sources)))
        pattern = posixpath.basename(self.model.paths[0])
        name = pattern.replace("*", f"stackgen-verify-{uuid.uuid4().hex[:8]}", 1)
        if not fnmatch.fnmatch(name, pattern):
            raise UsageError(f"cannot name a file matching the schema's path pattern {pattern!r}")
        target = self.host_dir / name
        inside = posixpath.join(log_dir(self.model), name)
        query = {"term": {"log.file.path": inside}}
        target.write_bytes(sample.read_bytes())
        copied = time.time()
        try:
            started = time.monotonic()
            count = 0
            while time.monotonic() - started < WAIT_SECONDS:
                self.client.request("POST", f"/{self.model.index_pattern}/_refresh")
                count = self.client.request("POST", f"/{self.model.index_pattern}/_count", {"query": query})["count"]
                if count >= len(records):
                    break
                time.sleep(2)
            if count != len(records):
                raise EngineError(f"{sample.name}: {len(records)} records in, {count} documents indexed "
                                  f"after {WAIT_SECONDS} s")
            answer = self.client.request("POST", f"/{self.model.index_pattern}/_search", {
                "size": len(records), "query": query, "sort": [{"log.offset": "asc"}]})
            documents = []
            for hit in answer["hits"]["hits"]:
                source = hit["_source"]
                source.pop("@version", None)  # Logstash's
                documents.append(shipped_document(self.model, source, copied, time.time()))
            return documents
        finally:
            target.unlink(missing_ok=True)
            self.client.request("POST", f"/{self.model.index_pattern}/_delete_by_query?refresh=true",
                                {"query": query}, allow=(404,))
