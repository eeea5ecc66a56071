"""Shared fixtures: the EZCast model, golden-file helper (`pytest --update-goldens`)."""
from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

import stackgen

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "ezcast"
GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", help="rewrite tests/golden files")


@pytest.fixture(scope="session")
def ezcast():
    return stackgen.load_schema(SAMPLES / "schema.yaml")


@pytest.fixture
def assert_golden(request):
    update = request.config.getoption("--update-goldens")

    def check(relative: str, text: str) -> None:
        path = GOLDEN / relative
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"missing golden {path}; run: pytest --update-goldens"
        want = path.read_text(encoding="utf-8")
        if want != text:
            diff = "\n".join(difflib.unified_diff(want.splitlines(), text.splitlines(), "want", "got", lineterm=""))
            pytest.fail(f"{relative} differs from its golden file:\n{diff}\n"
                        "If the change is intended, run: pytest --update-goldens", pytrace=False)

    return check


@pytest.fixture(scope="session")
def es_url():
    """One real Elasticsearch for the session: $STACKGEN_ES_URL, or an embedded node (never a skip)."""
    url = os.environ.get("STACKGEN_ES_URL")
    if url:
        yield url
        return
    from stackgen.engines.embedded import EmbeddedNode

    node = EmbeddedNode()
    yield node.start()
    node.stop()
