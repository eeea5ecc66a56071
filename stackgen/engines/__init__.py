"""Stage 4: engines turn records into documents: one interface, and a registry of them by name.

`local` interprets the step list in process; `embedded` starts a real Elasticsearch node for the
run (or reuses `stackgen engine start`'s); `filebeat` has real Filebeat ship the sample files into
that node; `elasticsearch` is any cluster; `stack` is the running compose stack. Each is opened as
a context manager that always releases what it started.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from stackgen.engines.framing import Record
from stackgen.errors import UsageError
from stackgen.model.nodes import LogModel

ENGINES = ("local", "embedded", "filebeat", "elasticsearch", "stack")


class Engine(Protocol):
    """Turns records into documents, one per record, in order."""

    name: str
    problems: list[str]  # what the last run found wrong outside the documents (mappings, _ignored)

    def documents(self, records: list[Record]) -> list[dict]: ...


@dataclass(frozen=True)
class EngineOptions:
    """Everything an engine may need besides the model."""

    es_url: str | None = None
    user: str | None = None
    password: str | None = None
    api_key: str | None = None
    ca_cert: str | None = None
    stack_dir: Path = Path("stackgen-stack")
    now: str | None = None  # reference time for year-less timestamps (default: schema's verify.now)
    progress: Callable[[str], None] = lambda message: None


@contextlib.contextmanager
def open_engine(name: str, model: LogModel, options: EngineOptions = EngineOptions()) -> Iterator[Engine]:
    """The named engine, released (node stopped, client closed) when the block ends."""
    if name not in ENGINES:
        raise UsageError(f"unknown engine '{name}'; engines: {', '.join(ENGINES)}")
    if name == "local":
        from stackgen.engines.local import LocalEngine

        yield LocalEngine(model, options.now)
        return
    if name == "stack":
        from stackgen.engines.stack import StackEngine

        yield StackEngine.of_stack(model, options.stack_dir)
        return
    from stackgen.engines import elasticsearch

    if name == "elasticsearch":
        if not options.es_url:
            raise UsageError("--engine elasticsearch needs --es-url")
        client = elasticsearch.connect(options.es_url, user=options.user, password=options.password,
                                       api_key=options.api_key, ca_cert=options.ca_cert)
        try:
            yield elasticsearch.ElasticsearchEngine(model, client, options.now)
        finally:
            client.close()
        return
    from stackgen.engines import embedded

    if name == "filebeat":  # before a node is started for nothing
        from stackgen import realtools

        realtools.require("filebeat")
    running = embedded.status()
    node = None
    if running:
        options.progress(f"using the running embedded node at {running['url']}")
        url = running["url"]
    else:
        node = embedded.EmbeddedNode(progress=options.progress)
        url = node.start()
    client = elasticsearch.connect(url)
    engine = None
    try:
        if name == "filebeat":
            from stackgen.engines.filebeat import FilebeatEngine

            engine = FilebeatEngine(model, client, url, options.now, options.progress)
        else:
            engine = elasticsearch.ElasticsearchEngine(model, client, options.now)
            engine.name = "embedded"
        yield engine
    finally:
        if hasattr(engine, "close"):
            engine.close()
        client.close()
        if node is not None:
            node.stop()
