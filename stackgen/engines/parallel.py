"""Stage 4c, on several cores: the local engine in worker processes, documents in input order.

Records go to the workers in chunks; each worker keeps one compiled engine and returns its chunk's
documents as JSON lines, so the parent only writes text. At most two chunks per worker are in
flight, so memory stays constant however long the input, and chunks come back in the order they
went out. The reference time for year-less timestamps is fixed once, in the parent, so every
worker places them against the same instant.
"""
from __future__ import annotations

import json
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator

from stackgen.engines.framing import Record
from stackgen.engines.local import LocalEngine, reference_time
from stackgen.model.nodes import LogModel

CHUNK = 2000  # records per task: large enough that the hand-over costs little next to the parsing

_engine: LocalEngine | None = None


def dumps(document: dict) -> str:
    """One document as the JSON line `stackgen parse` prints."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True) + "\n"


def _start(model: LogModel, now: str) -> None:
    global _engine
    _engine = LocalEngine(model, now)


def _work(chunk: list[tuple[str, tuple[str, ...]]]) -> str:
    run = _engine.run
    return "".join(dumps(run(text, flags)) for text, flags in chunk)


def json_lines(model: LogModel, records: Iterable[Record], jobs: int, now: str | None = None,
               chunk: int = CHUNK) -> Iterator[str]:
    """The documents of the records as JSON lines, parsed by `jobs` processes, in input order
    (one string per chunk of records)."""
    fixed = reference_time(model, now).isoformat()
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_start, initargs=(model, fixed)) as pool:
        window: deque = deque()
        batch: list[tuple[str, tuple[str, ...]]] = []
        for record in records:
            batch.append((record.text, record.flags))
            if len(batch) >= chunk:
                window.append(pool.apply_async(_work, (batch,)))
                batch = []
                if len(window) >= 2 * jobs:
                    yield window.popleft().get()
        if batch:
            window.append(pool.apply_async(_work, (batch,)))
        while window:
            yield window.popleft().get()
