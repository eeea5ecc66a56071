"""The Docker path, end to end, with pytest-docker: the rendered compose stack comes up, stackgen
loads it, and the EZCast samples go Filebeat -> Logstash -> Elasticsearch and match the goldens.

It runs wherever a Docker engine exists. These machines have none, so here it is skipped with that
reason; nothing imitates Docker (test_compose.py checks the rendered files statically instead).
"""
from __future__ import annotations

import pytest

from stackgen import deploy
from stackgen.engines.stack import StackEngine
from stackgen.verify import verify

from conftest import SAMPLES


def _docker_engine() -> bool:
    try:
        import docker

        return bool(docker.from_env().ping())
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not _docker_engine(), reason="no Docker engine on this machine: the stack needs one")


@pytest.fixture(scope="session")
def stack_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
def docker_compose_file(stack_dir, ezcast):
    logs = stack_dir / "logs"
    logs.mkdir(exist_ok=True)
    deploy.prepare(ezcast, stack_dir, logs)
    return str(stack_dir / "compose" / "docker-compose.yml")


@pytest.fixture(scope="session")
def docker_compose_project_name():
    return "stackgen-ezcast-test"


@pytest.fixture(scope="session")
def docker_setup(stack_dir):
    return [f"--env-file {stack_dir / 'compose' / '.env'} up --detach --wait"]


@pytest.fixture(scope="session")
def docker_cleanup(stack_dir):
    return [f"--env-file {stack_dir / 'compose' / '.env'} down --volumes"]


def test_the_stack_parses_the_samples_like_the_goldens(docker_services, stack_dir, ezcast):
    docker_services.wait_until_responsive(
        check=lambda: (stack_dir / "compose" / "certs" / ".setup-done").exists(), timeout=300, pause=2)
    deploy.load(ezcast, stack_dir)
    report = verify(ezcast, SAMPLES, StackEngine(ezcast, stack_dir))
    assert report.ok, report.human()
