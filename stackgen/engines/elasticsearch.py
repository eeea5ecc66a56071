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
import collections
import contextlib
import json
import os
import time
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


RETRY_STATUSES = (429, 502, 503, 504)
# Bulk item errors a later attempt can get past: a shard being promoted, recovered or moved, a node
# gone or restarting, a queue or breaker full. Anything else (a processor error, a mapping conflict)
# is the record's own failure and is never retried.
TRANSIENT_ERRORS = frozenset({
    "unavailable_shards_exception", "no_shard_available_action_exception", "primary_missing_action_exception",
    "retry_on_primary_exception", "retry_on_replica_exception", "shard_not_found_exception",
    "index_shard_closed_exception", "illegal_index_shard_state_exception", "shard_lock_obtain_failed_exception",
    "node_not_connected_exception", "node_disconnected_exception", "node_closed_exception",
    "connect_transport_exception", "send_request_transport_exception", "receive_timeout_transport_exception",
    "transport_exception", "not_master_exception", "no_master_exception", "cluster_block_exception",
    "process_cluster_event_timeout_exception", "es_rejected_execution_exception", "circuit_breaking_exception",
})


class Client:
    """A minimal JSON client: one request, one parsed answer, errors that say what failed.

    `url` may name several nodes of one cluster (a list, or URLs separated by commas): requests go
    round-robin to the nodes that answer. A request that fails for a transient reason (the node is
    unreachable: refused, reset, timed out; or it answers 429/502/503/504) is sent again, to
    another node when there is one, after a backoff (0.25 s doubling up to 5 s), at most `retries`
    times and not after `retry_seconds`; then the error is raised. A cluster that never answered
    this client is not waited for: once every node was tried, the error is raised at once.
    """

    BACKOFF, BACKOFF_CAP = 0.25, 5.0

    def __init__(self, url, headers: dict[str, str], ca_cert: str | None = None,
                 retries: int = 20, retry_seconds: float = 120.0):
        urls = [u.strip() for u in (url.split(",") if isinstance(url, str) else url) if u and u.strip()]
        if not urls:
            raise UsageError(f"not an http(s) URL: {url!r}")
        nodes = []
        for one in urls:
            parts = urlsplit(one)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise UsageError(f"not an http(s) URL: {one!r}")
            nodes.append(elastic_transport.NodeConfig(
                parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 9200),
                path_prefix=parts.path.rstrip("/"), headers=headers, ca_certs=ca_cert, request_timeout=120,
            ))
        self.urls = urls
        self.url = ", ".join(urls)
        self.retries, self.retry_seconds = retries, retry_seconds
        # what the retries did: whole requests sent again, bulk items sent again, and why
        self.stats: dict = {"requests_retried": 0, "items_retried": 0, "reasons": collections.Counter()}
        self._answered = False
        # callables told (method, path, body) of every request before it is sent (the spec check)
        self.observers: list = []
        self.transport = elastic_transport.Transport(nodes, max_retries=0, dead_node_backoff_factor=0.5,
                                                     max_dead_node_backoff=5.0)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` + 1."""
        return min(self.BACKOFF_CAP, self.BACKOFF * 2 ** attempt)

    def may_retry(self, attempt: int, started: float) -> bool:
        """Whether retry number `attempt` + 1 fits in the budget (count and time)."""
        return attempt < self.retries and time.monotonic() - started + self.backoff(attempt) <= self.retry_seconds

    def request(self, method: str, path: str, body=None, ndjson: bool = False, allow: tuple[int, ...] = ()):
        headers = {"accept": "application/json",
                   "content-type": "application/x-ndjson" if ndjson else "application/json"}
        for observer in self.observers:
            observer(method, path, body)
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        started, attempt = time.monotonic(), 0
        while True:
            try:
                response = self.transport.perform_request(method, path, body=body, headers=headers)
            except elastic_transport.TransportError as exc:
                transient = (isinstance(exc, (elastic_transport.ConnectionError, elastic_transport.ConnectionTimeout))
                             and not isinstance(exc, elastic_transport.TlsError))
                reachable = self._answered or attempt + 1 < len(self.urls)
                if transient and reachable and self.may_retry(attempt, started):
                    attempt = self._again(attempt, type(exc).__name__)
                    continue
                after = f" (after {attempt} retries)" if attempt else ""
                raise EnvironmentProblem(f"cannot reach Elasticsearch at {self.url}{after}: {exc}") from None
            self._answered = True
            status = response.meta.status
            if status in RETRY_STATUSES and status not in allow and self.may_retry(attempt, started):
                attempt = self._again(attempt, f"HTTP {status}")
                continue
            if status >= 400 and status not in allow:
                raise EngineError(f"{method} {path} failed ({status}): {describe_error(response.body)}")
            return response.body

    def _again(self, attempt: int, reason: str) -> int:
        self.stats["requests_retried"] += 1
        self.stats["reasons"][reason] += 1
        time.sleep(self.backoff(attempt))
        return attempt + 1

    def close(self) -> None:
        self.transport.close()


def _transient(result: dict) -> bool:
    """A bulk item failed for a reason a later attempt can get past."""
    if result.get("status", 500) in RETRY_STATUSES:
        return True
    error = result.get("error")
    while isinstance(error, dict):
        if error.get("type") in TRANSIENT_ERRORS:
            return True
        error = error.get("caused_by")
    return False


def _error_type(result: dict) -> str:
    error = result.get("error")
    return error.get("type", "?") if isinstance(error, dict) else f"HTTP {result.get('status')}"


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
        self.offsets = False  # send each record's place in the replay as log.offset (detect orders ties by it)
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
            for pipeline_id, body in es_pipeline.pipelines(self.model, prefix):
                self.client.request("PUT", f"/_ingest/pipeline/{pipeline_id}", body)
            self.client.request("PUT", f"/{index}", {})
            self._bulk(index, prefix, records)
            self.client.request("POST", f"/{index}/_refresh")
            documents = self._read(index, len(records))
            self.problems = self._check_index(index)
            yield index, documents
        finally:
            self.client.request("DELETE", f"/{index}", allow=(404,))
            for pipeline_id, _ in es_pipeline.pipelines(self.model, prefix):
                self.client.request("DELETE", f"/_ingest/pipeline/{pipeline_id}", allow=(404,))
            self.client.request("DELETE", f"/_index_template/{prefix}", allow=(404,))

    def _bulk(self, index: str, pipeline: str, records: list[Record]) -> None:
        """Index every record through the pipeline, `_id` = its position: lines in must equal documents out.

        Items that fail for a transient reason (429/503, a shard being promoted or moved, a node gone)
        are sent again, only they and with the same ids (a repeat overwrites, never duplicates), with
        the client's backoff and its retry count and time budget. Any other failure, and an item
        still failing when the budget is spent, is a rejected record.
        """
        rejected = []
        for start in range(0, len(records), BULK_CHUNK):
            chunk = list(range(start, min(len(records), start + BULK_CHUNK)))
            rejected += self._bulk_chunk(index, pipeline, records, chunk)
        if rejected:
            raise EngineError(f"{len(rejected)} of {len(records)} records were rejected "
                              "(lines in must equal documents out):\n" + "\n".join(rejected[:20]))

    def _bulk_chunk(self, index: str, pipeline: str, records: list[Record], pending: list[int]) -> list[str]:
        """One bulk request (then its transiently failed items again); the rejected records."""
        client = self.client
        may_retry = getattr(client, "may_retry", lambda attempt, started: False)
        stats = getattr(client, "stats", None)
        started, attempt, rejected = time.monotonic(), 0, []
        while True:
            lines = []
            for i in pending:
                record = records[i]
                lines.append(json.dumps({"index": {"_index": index, "_id": str(i)}}))
                source = {"message": record.text, **self.extra}
                if record.flags:
                    source["log"] = {"flags": list(record.flags)}  # as Filebeat sends a cut record
                if self.offsets:
                    source.setdefault("log", {})["offset"] = i
                lines.append(json.dumps(source, ensure_ascii=False))
            answer = client.request("POST", f"/_bulk?pipeline={pipeline}", "\n".join(lines) + "\n", ndjson=True)
            items = answer.get("items", [])
            if len(items) != len(pending):
                raise EngineError(f"a bulk request of {len(pending)} records was answered with {len(items)} items")
            again = []
            for i, item in zip(pending, items):
                result = item.get("index", {})
                if result.get("_id", str(i)) != str(i):
                    raise EngineError(f"bulk item {result.get('_id')} answered in the place of {i}")
                if result.get("status", 500) < 300:
                    continue
                if _transient(result):
                    again.append((i, result))
                else:
                    record = records[i]
                    rejected.append(f"{record.source}:{record.line}: {describe_error(result)}")
            if not again:
                return rejected
            if not may_retry(attempt, started):
                for i, result in again:
                    record = records[i]
                    rejected.append(f"{record.source}:{record.line}: {describe_error(result)} "
                                    f"(still failing after {attempt} retries)")
                return rejected
            if stats is not None:
                stats["items_retried"] += len(again)
                stats["reasons"].update(f"item {_error_type(result)}" for _, result in again)
            time.sleep(client.backoff(attempt))
            attempt += 1
            pending = [i for i, _ in again]

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
