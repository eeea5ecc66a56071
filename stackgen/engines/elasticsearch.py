"""Stage 4f: the Elasticsearch engine: rendered artifacts installed in a real cluster.

It installs the rendered index template and ingest pipeline under a unique prefix, bulk-indexes
the records through the pipeline, reads the documents back in input order (`_mget`), checks that
lines in equal documents out and that the template really applied (field types from field
capabilities, nothing in `_ignored`), then deletes everything it created.

The HTTP layer is `elastic-transport`, the transport under the official Python clients: unlike the
`elasticsearch` 8/9 clients it neither refuses servers without the `X-Elastic-Product` header
(Elasticsearch 7.10, OpenSearch) nor sends `compatible-with` headers that other majors reject,
so the same plain JSON requests work against 7.10, 8.x and 9.x.
"""
from __future__ import annotations

import base64
import contextlib
import json
import os
import uuid
from urllib.parse import urlsplit

import elastic_transport

from stackgen.engines.framing import Record
from stackgen.errors import EngineError, EnvironmentProblem, UsageError
from stackgen.engines.local import reference_time
from stackgen.model.lowering import lower
from stackgen.model.nodes import LogModel
from stackgen.model.steps import NOW_FIELD
from stackgen.model.timefmt import format_instant
from stackgen.targets import es_pipeline, es_template

BULK_CHUNK = 1000


class Client:
    """A minimal JSON client: one request, one parsed answer, errors that say what failed."""

    def __init__(self, url: str, headers: dict[str, str], ca_cert: str | None = None):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"not an http(s) URL: {url!r}")
        node = elastic_transport.NodeConfig(
            parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 9200),
            path_prefix=parts.path.rstrip("/"), headers=headers, ca_certs=ca_cert, request_timeout=120,
        )
        self.url = url
        self.transport = elastic_transport.Transport([node], max_retries=0)

    def request(self, method: str, path: str, body=None, ndjson: bool = False, allow: tuple[int, ...] = ()):
        headers = {"accept": "application/json",
                   "content-type": "application/x-ndjson" if ndjson else "application/json"}
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        try:
            response = self.transport.perform_request(method, path, body=body, headers=headers)
        except elastic_transport.TransportError as exc:
            raise EnvironmentProblem(f"cannot reach Elasticsearch at {self.url}: {exc}") from None
        status = response.meta.status
        if status >= 400 and status not in allow:
            raise EngineError(f"{method} {path} failed ({status}): {describe_error(response.body)}")
        return response.body

    def close(self) -> None:
        self.transport.close()


def describe_error(body) -> str:
    """Elasticsearch's error reason, with the processor that raised it when there is one."""
    if not isinstance(body, dict) or "error" not in body:
        return str(body)[:500]
    error = body["error"]
    if not isinstance(error, dict):
        return str(error)
    header = {**error, **(error.get("header") or {})}  # install errors: top level; runtime: header
    where = ""
    if header.get("processor_tag") or header.get("processor_type"):
        where = f" [processor {header.get('processor_type', '?')}, tag {header.get('processor_tag', '?')}]"
    cause = error.get("caused_by", {}).get("reason")
    return f"{error.get('type')}: {error.get('reason')}{where}" + (f" (caused by: {cause})" if cause else "")


def connect(url: str, user: str | None = None, password: str | None = None, api_key: str | None = None,
            ca_cert: str | None = None) -> Client:
    """A client for a cluster; secrets may come from $STACKGEN_ES_PASSWORD / $STACKGEN_ES_API_KEY."""
    headers: dict[str, str] = {}
    api_key = api_key or os.environ.get("STACKGEN_ES_API_KEY")
    if api_key:
        headers["authorization"] = f"ApiKey {api_key}"
    elif user:
        password = password if password is not None else os.environ.get("STACKGEN_ES_PASSWORD", "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["authorization"] = f"Basic {token}"
    return Client(url, headers, ca_cert)


def _flatten_caps(caps: dict) -> dict[str, set[str]]:
    return {name: set(types) for name, types in caps.get("fields", {}).items()}


class ElasticsearchEngine:
    """Documents from a real cluster, through the rendered template and ingest pipeline."""

    name = "elasticsearch"

    def __init__(self, model: LogModel, client: Client, now: str | None = None):
        self.model = model
        self.client = client
        self.problems: list[str] = []
        # year-less timestamps: the pipeline reads the reference time from the document when sent
        self.extra = {NOW_FIELD: format_instant(reference_time(model, now))} if lower(model).needs_now else {}

    def documents(self, records: list[Record]) -> list[dict]:
        with self.loaded(records) as (_, documents):
            return documents

    @contextlib.contextmanager
    def loaded(self, records: list[Record]):
        """Index the records through the rendered pipeline; yield (index, documents); clean up."""
        prefix = f"stackgen-verify-{self.model.name}-{uuid.uuid4().hex[:8]}"
        index = f"{prefix}-data"
        template = es_template.body(self.model, index_pattern=f"{prefix}-*")
        template["priority"] = 500
        self.client.request("PUT", f"/_index_template/{prefix}", template)
        try:
            self.client.request("PUT", f"/_ingest/pipeline/{prefix}", es_pipeline.body(self.model))
            self.client.request("PUT", f"/{index}", {})
            self._bulk(index, prefix, records)
            self.client.request("POST", f"/{index}/_refresh")
            documents = self._read(index, len(records))
            self.problems = self._check_index(index)
            yield index, documents
        finally:
            self.client.request("DELETE", f"/{index}", allow=(404,))
            self.client.request("DELETE", f"/_ingest/pipeline/{prefix}", allow=(404,))
            self.client.request("DELETE", f"/_index_template/{prefix}", allow=(404,))

    def _bulk(self, index: str, pipeline: str, records: list[Record]) -> None:
        rejected = []
        for start in range(0, len(records), BULK_CHUNK):
            lines = []
            for i, record in enumerate(records[start:start + BULK_CHUNK], start):
                lines.append(json.dumps({"index": {"_index": index, "_id": str(i)}}))
                source = {"message": record.text, **self.extra}
                if record.flags:
                    source["log"] = {"flags": list(record.flags)}  # as Filebeat sends a cut record
                lines.append(json.dumps(source, ensure_ascii=False))
            answer = self.client.request("POST", f"/_bulk?pipeline={pipeline}", "\n".join(lines) + "\n", ndjson=True)
            for item in answer.get("items", []):
                result = item.get("index", {})
                if result.get("status", 500) >= 300:
                    record = records[int(result["_id"])]
                    rejected.append(f"{record.source}:{record.line}: {describe_error(result)}")
        if rejected:
            raise EngineError(f"{len(rejected)} of {len(records)} records were rejected "
                              "(lines in must equal documents out):\n" + "\n".join(rejected[:20]))

    def _read(self, index: str, count: int) -> list[dict]:
        documents = []
        for start in range(0, count, BULK_CHUNK):
            ids = [str(i) for i in range(start, min(count, start + BULK_CHUNK))]
            answer = self.client.request("POST", f"/{index}/_mget", {"ids": ids})
            for doc in answer["docs"]:
                if not doc.get("found"):
                    raise EngineError(f"document {doc.get('_id')} is missing after indexing")
                source = doc["_source"]
                source.pop("log", None)  # shipper metadata (log.flags), not the parser's document
                documents.append(source)
        return documents

    def _check_index(self, index: str) -> list[str]:
        """The index template really applied: declared types, nothing dropped into _ignored."""
        problems = []
        caps = _flatten_caps(self.client.request("GET", f"/{index}/_field_caps?fields=*"))
        for path, expected in es_template.field_types(self.model).items():
            got = caps.get(path)
            if got is None:
                problems.append(f"field {path!r} is not mapped")
            elif got != {expected}:
                problems.append(f"field {path!r} is mapped as {sorted(got)}, the schema says {expected}")
        ignored = self.client.request("POST", f"/{index}/_count", {"query": {"exists": {"field": "_ignored"}}})
        if ignored.get("count"):
            problems.append(f"{ignored['count']} documents have values dropped into _ignored")
        return problems
