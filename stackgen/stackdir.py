"""The directory `stackgen up` deploys into: its `.env` and a client for its Elasticsearch.

Shared by the deployment (`deploy.py`) and the stack engine, so neither imports the other.
"""
from __future__ import annotations

from pathlib import Path

from stackgen.engines.elasticsearch import Client, connect


def env_file(directory: Path) -> Path:
    return directory / "compose" / ".env"


def read_env(path: Path) -> dict[str, str]:
    values = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


def client(directory: Path) -> Client:
    """The stack's Elasticsearch as the `elastic` user, over TLS with the stack's own CA."""
    env = read_env(env_file(directory))
    return connect(f"https://127.0.0.1:{env.get('ES_PORT', '9200')}", user="elastic",
                   password=env["ELASTIC_PASSWORD"], ca_cert=str(directory / "compose" / "certs" / "ca" / "ca.crt"))
