"""Stage 4e: the embedded engine: a real Elasticsearch 7.10.2 node started by stackgen.

`EmbeddedNode` runs one node for the duration of a command (also stopped on errors and Ctrl-C;
when attached, the node also exits by itself once its standard input closes, so it cannot outlive
a killed stackgen). `start_background` / `stop_background` / `status` keep one node running
between commands (`stackgen engine start|stop|status`); `verify --engine embedded` reuses it.
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from stackgen.engines import jvm
from stackgen.errors import EngineError

READY = "STACKGEN_READY"
STARTUP_SECONDS = 180


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _version(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)["version"]["number"]


class EmbeddedNode:
    """One node on 127.0.0.1 with a throwaway data directory."""

    def __init__(self, progress: jvm.Progress = lambda message: None, heap: str = "512m", detached: bool = False):
        self.progress, self.heap, self.detached = progress, heap, detached
        self.process: subprocess.Popen | None = None
        self.base: Path | None = None
        self.url = ""

    def start(self) -> str:
        port = _free_port()
        self.base = Path(tempfile.mkdtemp(prefix="stackgen-es-"))
        command = jvm.java_command("node", "EsNode.java",
                                   [str(port), str(self.base), f"stackgen-{os.getpid()}-{port}",
                                    "detached" if self.detached else "attached"],
                                   heap=self.heap, progress=self.progress)
        log = open(self.base / "node.log", "w")
        self.progress(f"starting Elasticsearch 7.10.2 on 127.0.0.1:{port} (heap {self.heap})")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL if self.detached else subprocess.PIPE,
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        if not self.detached:
            atexit.register(self.stop)
        self.url = f"http://127.0.0.1:{port}"
        self._wait_ready()
        return self.url

    def _wait_ready(self) -> None:
        started = time.monotonic()
        shown = 0
        log = self.base / "node.log"
        while True:
            if READY in log.read_text(errors="replace"):
                break
            if self.process.poll() is not None:
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-25:])
                self.stop()
                raise EngineError(f"the embedded Elasticsearch node exited during startup:\n{tail}")
            elapsed = time.monotonic() - started
            if elapsed > STARTUP_SECONDS:
                self.stop()
                raise EngineError(f"the embedded Elasticsearch node was not ready after {STARTUP_SECONDS} s")
            if elapsed - shown >= 5:
                shown = elapsed
                self.progress(f"waiting for the node ({int(elapsed)} s)")
            time.sleep(0.2)
        self.progress(f"node ready in {time.monotonic() - started:.1f} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            if process.stdin:
                process.stdin.close()
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.base is not None and not self.detached:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _state_file() -> Path:
    return jvm.cache_root() / "engine.json"


def status() -> dict | None:
    """The background node's pid and URL if it is running and answering, else None."""
    path = _state_file()
    if not path.exists():
        return None
    info = json.loads(path.read_text())
    try:
        os.kill(info["pid"], 0)
        _version(info["url"])
    except (OSError, ValueError, KeyError):
        return None
    return info


def start_background(progress: jvm.Progress = lambda message: None) -> dict:
    """Start a node that keeps running after this command (or return the running one)."""
    info = status()
    if info:
        return info
    node = EmbeddedNode(progress, detached=True)
    url = node.start()
    info = {"pid": node.process.pid, "url": url, "base": str(node.base), "version": _version(url)}
    _state_file().parent.mkdir(parents=True, exist_ok=True)
    _state_file().write_text(json.dumps(info))
    return info


def stop_background() -> bool:
    """Stop the background node; False when none was running."""
    path = _state_file()
    if not path.exists():
        return False
    info = json.loads(path.read_text())
    path.unlink()
    try:
        os.kill(info["pid"], signal.SIGTERM)
    except ProcessLookupError:
        return False
    for _ in range(300):
        try:
            os.kill(info["pid"], 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(info["pid"], signal.SIGKILL)
    shutil.rmtree(info.get("base", ""), ignore_errors=True)
    return True
